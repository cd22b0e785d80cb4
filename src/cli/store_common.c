/* Helpers the store commands share: opening the store, amounts, naming signers. */
#include "cli.h"

#include <ctype.h>
#include <string.h>

int cli_open_store(ct_store **out, ct_cli *cli)
{
	return ct_store_open(out, cli->repo, cli->root);
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
}

int cli_signers(ct_buf *out, ct_store *store, const json_t *record)
{
	json_t *sigs = json_object_get(record, "signatures");
	json_t *sig;
	size_t i;
	int error = 0;

	json_array_foreach (sigs, i, sig) {
		const char *kid = json_string_value(json_object_get(sig, "key_id"));
		json_t *key = NULL;
		if (i > 0 && (error = ct_buf_puts(out, ", ")) < 0)
			return error;
		if ((error = ct_buf_puts(out, kid)) < 0)
			return error;
		if (store && ct_store_get(&key, store, CT_KIND_KEY, kid, 0) == 0) {
			const char *name = json_string_value(json_object_get(key, "name"));
			const char *org = json_string_value(json_object_get(key, "org"));
			if (name || org)
				error = ct_buf_printf(out, " (%s%s%s)", name ? name : "",
					name && org ? ", " : "", org ? org : "");
		}
		ct_error_clear();
		json_decref(key);
		if (error < 0)
			return error;
	}
	return 0;
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
