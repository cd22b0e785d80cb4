/* Helpers the store commands share: opening the store, amounts, naming signers. */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_open_store(ct_store **out, ct_cli *cli)
{
	int error = ct_store_open(out, cli->repo, cli->root);

	if (error == CT_ENOTFOUND && strstr(ct_error_last(), "not in a git repository"))
		error = ct_error_set(CT_ENOTFOUND,
			"%s: not in a git repository (run 'claimtrail init' to make one with a store)",
			cli->repo);
	return error;
}

int cli_resolve_id(
	const char **id, ct_buf *buf, ct_store *store, ct_kind kind, const char *claim_id)
{
	int error;

	if (!*id)
		return 0;
	error = ct_store_resolve_id(buf, store, kind, claim_id, *id);
	if (error == CT_ENOTFOUND && !strstr(ct_error_last(), "(did you mean")) {
		/* no id begins so and none is near: the command's own message names the id in its
		 * role ("evidence source x does not exist", "claim c has no dispute d") */
		ct_error_clear();
		return 0;
	}
	if (error < 0)
		return error;
	*id = buf->ptr;
	return 0;
}

int cli_resolve_arg(char **arg, ct_buf *buf, ct_store *store, ct_kind kind)
{
	const char *id = *arg;
	int error;

	if ((error = cli_resolve_id(&id, buf, store, kind, NULL)) < 0)
		return error;
	*arg = (char *)id;
	return 0;
}

/* The " (did you mean ...?)" at the end of an error message, or "". */
static const char *suggestion(const char *message)
{
	const char *p = strstr(message, " (did you mean");
	return p ? p : "";
}

int cli_resolve_claim_or_source(ct_kind *kind, const char **id, ct_buf *buf, ct_store *store)
{
	ct_buf source = CT_BUF_INIT;
	char claim_msg[512], source_msg[512];
	int claim_error, source_error, error;

	claim_error = ct_store_resolve_id(buf, store, CT_KIND_CLAIM, NULL, *id);
	if (claim_error == 0 && strcmp(buf->ptr, *id) == 0)
		goto claim; /* a whole claim id */
	if (claim_error < 0 && claim_error != CT_ENOTFOUND)
		return claim_error;
	snprintf(claim_msg, sizeof(claim_msg), "%s", claim_error < 0 ? ct_error_last() : "");
	source_error = ct_store_resolve_id(&source, store, CT_KIND_SOURCE, NULL, *id);
	if (source_error == 0 && (strcmp(source.ptr, *id) == 0 || claim_error < 0)) {
		ct_buf_clear(buf);
		error = ct_buf_puts(buf, source.ptr);
		ct_buf_free(&source);
		if (error < 0)
			return error;
		*kind = CT_KIND_SOURCE;
		*id = buf->ptr;
		return 0;
	}
	if (claim_error == 0)
		goto claim;
	if (source_error != CT_ENOTFOUND) {
		ct_buf_free(&source);
		return source_error;
	}
	ct_buf_free(&source);
	snprintf(source_msg, sizeof(source_msg), "%s", ct_error_last());
	return ct_error_set(CT_ENOTFOUND, "no claim or source \"%s\" in the store%s", *id,
		*suggestion(claim_msg) ? suggestion(claim_msg) : suggestion(source_msg));
claim:
	ct_buf_free(&source);
	*kind = CT_KIND_CLAIM;
	*id = buf->ptr;
	return 0;
}

int cli_set_quantity(json_t *fields, const char *text)
{
	ct_quantity_parsed q;
	json_t *qty = json_object_get(fields, "quantity");
	size_t len = strlen(text);
	const char *p = text;

	if (ct_quantity_parse(&q, text) < 0)
		return CT_EINVALID;
	if (!json_is_object(qty)) {
		qty = json_object();
		json_object_set_new(fields, "quantity", qty);
	}
	while (isspace((unsigned char)*p))
		p++;
	while (len > (size_t)(p - text) && isspace((unsigned char)text[len - 1]))
		len--;
	len -= (size_t)(p - text);
	json_object_set_new(qty, "amount", json_string(q.amount));
	/* the wording as typed, when it says more than the amount (null: none, on revise) */
	if (len == strlen(q.amount) && strncmp(p, q.amount, len) == 0)
		json_object_set_new(qty, "text", json_null());
	else if (json_object_set_new(qty, "text", json_stringn(p, len)) < 0)
		return -1;
	if (q.qualifier[0] && !json_object_get(qty, "qualifier"))
		json_object_set_new(qty, "qualifier", json_string(q.qualifier));
	if (q.percent && !json_object_get(qty, "unit"))
		json_object_set_new(qty, "unit", json_string("%"));
	return 0;
}

void cli_warn_quantity(const json_t *claim)
{
	const char *amount =
		json_string_value(json_object_get(json_object_get(claim, "quantity"), "amount"));
	const char *quote =
		json_string_value(json_object_get(json_object_get(claim, "attribution"), "quote"));
	char shown[2 * CT_AMOUNT_MAX];

	if (!amount || !quote || ct_quantity_in_text(amount, quote))
		return;
	ct_amount_format(shown, sizeof(shown), amount);
	ct_error_clear();
	fprintf(stderr,
		"warning: claim %s: the quantity %s matches no number in its quote \"%s\"\n",
		ct_record_id(claim), shown, quote);
}

void cli_print_quantity(const json_t *qty)
{
	const char *qualifier = json_string_value(json_object_get(qty, "qualifier"));
	const char *unit = json_string_value(json_object_get(qty, "unit"));
	const char *text = json_string_value(json_object_get(qty, "text"));
	char shown[2 * CT_AMOUNT_MAX];

	ct_amount_format(shown, sizeof(shown), json_string_value(json_object_get(qty, "amount")));
	ct_error_clear();
	printf("%s%s%s%s%s", qualifier ? qualifier : "", qualifier ? " " : "", shown,
		unit ? (strcmp(unit, "%") == 0 ? "" : " ") : "", unit ? unit : "");
	if (text)
		printf(" (written \"%s\")", text);
	if (json_object_get(qty, "low") || json_object_get(qty, "high")) {
		char low[2 * CT_AMOUNT_MAX] = "", high[2 * CT_AMOUNT_MAX] = "";
		if (json_object_get(qty, "low"))
			ct_amount_format(
				low, sizeof(low), json_string_value(json_object_get(qty, "low")));
		if (json_object_get(qty, "high"))
			ct_amount_format(high, sizeof(high),
				json_string_value(json_object_get(qty, "high")));
		ct_error_clear();
		if (*low && *high)
			printf(", between %s and %s", low, high);
		else
			printf(", %s %s", *low ? "at least" : "at most", *low ? low : high);
	}
	if (json_object_get(qty, "as_of"))
		printf(", as of %s", json_string_value(json_object_get(qty, "as_of")));
}

/* "said by the UN Monitoring Team (its title), reported by ...": a chain entry's name. */
static const char *chain_name(const json_t *e)
{
	const char *p = json_string_value(json_object_get(e, "publisher"));

	return p ? p : json_string_value(json_object_get(e, "source"));
}

void cli_print_chain(const json_t *chain)
{
	size_t i;
	json_t *e;

	json_array_foreach (chain, i, e) {
		const char *role = json_string_value(json_object_get(e, "role"));
		printf("%s%.*s by %s", i ? ", " : "", (int)strcspn(role, "-"), role, chain_name(e));
	}
}

int cli_signers(ct_buf *out, ct_store *store, const json_t *record)
{
	json_t *sigs = json_object_get(record, "signatures");
	json_t *sig;
	ct_keyring *ring = NULL;
	size_t i;
	int error = 0;

	/* a signature by a key the store has no valid record of is not checked (it proves
	 * nothing either way: docs/store.md): named, never shown as a signer */
	if (store && (error = ct_store_keyring(&ring, store)) < 0)
		return error;
	json_array_foreach (sigs, i, sig) {
		const char *kid = json_string_value(json_object_get(sig, "key_id"));
		json_t *key = NULL;
		if (i > 0 && (error = ct_buf_puts(out, ", ")) < 0)
			break;
		if ((error = ct_buf_puts(out, kid ? kid : "(no key id)")) < 0)
			break;
		if (store && (!kid || !ct_keyring_find(ring, kid))) {
			error = ct_buf_puts(
				out, " (no valid key record in the store: not checked)");
		} else if (store && ct_store_get(&key, store, CT_KIND_KEY, kid, 0) == 0) {
			const char *name = json_string_value(json_object_get(key, "name"));
			const char *org = json_string_value(json_object_get(key, "org"));
			char until[CT_TIMESTAMP_LEN + 1];
			ct_key_state st = ct_keyring_key_state(ring, kid, until);
			if (name || org)
				error = ct_buf_printf(out, " (%s%s%s)", name ? name : "",
					name && org ? ", " : "", org ? org : "");
			/* the record's state says whether a checkpoint vouches for it */
			if (error == 0 && st == CT_KEY_REVOKED)
				error = ct_buf_puts(out, " [key revoked]");
			else if (error == 0 && st == CT_KEY_EXPIRED)
				error = ct_buf_printf(out, " [key expired at %s]", until);
		}
		ct_error_clear();
		json_decref(key);
		if (error < 0)
			break;
	}
	ct_keyring_free(ring);
	return error;
}

int cli_verified_signers(ct_buf *out, ct_verification *v, ct_store *store, const json_t *record)
{
	int error;

	if ((error = ct_store_verify_record(v, store, record)) < 0)
		return error;
	if (v->state != CT_RECORD_VERIFIED)
		return ct_buf_printf(out, "NOT VERIFIED: %s", v->reason);
	return cli_signers(out, store, record);
}

json_t *cli_verification_json(const ct_verification *v)
{
	return json_pack("{s:s, s:b, s:s}", "state", ct_record_state_name(v->state), "verified",
		v->state == CT_RECORD_VERIFIED, "reason", v->reason);
}

static int collect_id(const char *id, void *payload)
{
	json_t *s = json_string(id);

	if (!s || json_array_append_new(payload, s) < 0)
		return ct_error_set(CT_ENOMEM, "out of memory");
	return 0;
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp(
		json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

int cli_sorted_ids(json_t **out, ct_store *store, ct_kind kind)
{
	json_t *ids = json_array(), **v = NULL;
	size_t n, i;
	int error;

	*out = NULL;
	if (!ids)
		return ct_error_set(CT_ENOMEM, "out of memory");
	if ((error = ct_store_foreach_id(store, kind, collect_id, ids)) < 0)
		goto done;
	n = json_array_size(ids);
	if (n > 1) {
		if (!(v = calloc(n, sizeof(*v)))) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			goto done;
		}
		for (i = 0; i < n; i++)
			v[i] = json_incref(json_array_get(ids, i));
		qsort(v, n, sizeof(*v), compare_ids);
		json_array_clear(ids);
		for (i = 0; i < n; i++)
			json_array_append_new(ids, v[i]);
	}
	*out = ids;
	ids = NULL;
done:
	free(v);
	json_decref(ids);
	return error;
}

/* text with its line breaks and tabs as spaces, so that a context stays on one line */
static void print_one_line(const char *text)
{
	for (; text && *text; text++)
		putchar(*text == '\n' || *text == '\r' || *text == '\t' ? ' ' : *text);
}

void cli_print_attribution(const json_t *attr, const json_t *source, int say_unchecked)
{
	const json_t *sel = json_object_get(attr, "selector");

	printf("source:     %s", json_string_value(json_object_get(attr, "source")));
	if (source)
		printf(" - %s (%s)", json_string_value(json_object_get(source, "title")),
			json_string_value(json_object_get(source, "publisher")));
	printf("\n");
	if (json_object_get(attr, "quote"))
		printf("quote:      \"%s\"\n", json_string_value(json_object_get(attr, "quote")));
	if (json_object_get(attr, "location"))
		printf("location:   %s\n", json_string_value(json_object_get(attr, "location")));
	if (sel) {
		printf("anchored:   characters %lld-%lld of the source's text\n",
			(long long)json_integer_value(json_object_get(sel, "start")),
			(long long)json_integer_value(json_object_get(sel, "end")));
		/* the selector's context: the words around the quote in the source */
		printf("context:    ...");
		print_one_line(json_string_value(json_object_get(sel, "prefix")));
		printf("[");
		print_one_line(json_string_value(json_object_get(sel, "exact")));
		printf("]");
		print_one_line(json_string_value(json_object_get(sel, "suffix")));
		printf("...\n");
	} else if (say_unchecked && json_object_get(attr, "quote")) {
		printf("anchored:   quote not checked: the source has no text\n");
	}
}

void cli_print_annotation_says(const json_t *a)
{
	const char *kind = json_string_value(json_object_get(a, "kind"));
	const json_t *d = json_object_get(a, "dispute");

	if (strcmp(kind, "verdict") == 0) {
		const char *verdict = json_string_value(json_object_get(a, "verdict"));
		printf(" \"%s%s%s\"", cli_status_color(verdict), verdict,
			*cli_status_color(verdict) ? cli_paint(CLI_RESET) : "");
	}
	if (strcmp(kind, "dispute") == 0)
		printf(" by %s: %s", json_string_value(json_object_get(d, "by")),
			json_string_value(json_object_get(d, "reason")));
	if (strcmp(kind, "resolution") == 0)
		printf(" of %s: %s", json_string_value(json_object_get(a, "resolves")),
			json_string_value(json_object_get(a, "outcome")));
	if (json_object_get(a, "note"))
		printf(" - %s", json_string_value(json_object_get(a, "note")));
}

void cli_print_evidence(const json_t *a)
{
	size_t i;
	json_t *e;

	if (!json_array_size(json_object_get(a, "evidence")))
		return;
	printf(" (evidence:");
	json_array_foreach (json_object_get(a, "evidence"), i, e)
		printf("%s %s", i ? "," : "", json_string_value(e));
	printf(")");
}
