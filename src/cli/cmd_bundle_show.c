/*
 * claimtrail bundle show BUNDLE [ID]: the claims of a verified bundle, as `list` and `show`
 * print them, for a reader with no store, key or init. The bundle is verified against the keys
 * the reader trusts (ct_bundle_read) and refused, with the reason, when it does not verify;
 * signers are named only among those trusted keys.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char show_usage[] =
	"usage: claimtrail bundle show BUNDLE [ID] [--trust KEYS]... [--threshold N]\n"
	"\n"
	"Verifies BUNDLE against KEYS (and $CLAIMTRAIL_TRUST, git config claimtrail.trust and\n"
	"the trust list of the repository you are in, if any), then lists its claims as 'list'\n"
	"does, or shows claim ID (a whole id or a unique prefix) as 'show' does. No store, key\n"
	"or init is needed. A bundle that does not verify is refused, with the reason, and\n"
	"nothing of it is shown.\n";

typedef struct {
	ct_keyring *trust;
	size_t threshold;
} show_args;

static const cli_opt show_opts[] = {
	CLI_OPT_TRUST(CLI_TRUST_EXIT_4, show_args, trust),
	CLI_OPT_THRESHOLD(64, "each claim's current revision needs N trusted signers (default 1)",
		show_args, threshold),
	CLI_END,
};

static const cli_cmd show_cmd = {"bundle show", show_usage, show_opts};

/* The latest revision of each claim (the bundle may carry every revision): id -> record. */
static json_t *latest_claims(const json_t *claims)
{
	json_t *out = json_object(), *c;
	size_t i;

	json_array_foreach (claims, i, c) {
		const json_t *have = json_object_get(out, ct_record_id(c));
		if (!have ||
			json_integer_value(json_object_get(have, "revision")) <
				json_integer_value(json_object_get(c, "revision")))
			json_object_set(out, ct_record_id(c), c);
	}
	return out;
}

/* The digests of the revisions the latest one only re-anchored (ct_store_claim_same, from the
 * revisions the bundle carries): verdicts on them stand for it too. A new array. */
static json_t *same_of(const json_t *claims, const json_t *latest)
{
	json_t *out = json_array(), *c;
	const json_t *newer = latest, *older;
	char digest[CT_DIGEST_LEN + 1];
	size_t i;

	while (out && newer) {
		older = NULL;
		json_array_foreach (claims, i, c)
			if (strcmp(ct_record_id(c), ct_record_id(newer)) == 0 &&
				json_integer_value(json_object_get(c, "revision")) ==
					json_integer_value(json_object_get(newer, "revision")) - 1)
				older = c;
		if (!older || !ct_claim_moves_quote_only(newer, older) ||
			ct_record_digest(digest, older) < 0)
			break;
		json_array_append_new(out, json_string(digest));
		newer = older;
	}
	return out;
}

static int by_created_then_id(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	int c = strcmp(json_string_value(json_object_get(a, "created")),
		json_string_value(json_object_get(b, "created")));
	return c ? c : strcmp(ct_record_id(a), ct_record_id(b));
}

/* The annotations of claim id, ordered as ct_store_annotations orders them: a new array. */
static json_t *annotations_of(const json_t *annotations, const char *id)
{
	json_t *out = json_array(), *a;
	const json_t **v;
	size_t i, n = 0;

	v = calloc(json_array_size(annotations) + 1, sizeof(*v));
	if (!out || !v) {
		free(v);
		json_decref(out);
		return NULL;
	}
	json_array_foreach (annotations, i, a)
		if (strcmp(json_string_value(json_object_get(a, "claim")), id) == 0)
			v[n++] = a;
	qsort(v, n, sizeof(*v), by_created_then_id);
	for (i = 0; i < n; i++)
		json_array_append(out, (json_t *)v[i]);
	free(v);
	return out;
}

/* "KEYID (Name, Org)" for each signature of record by a trusted key; *others counts the rest. */
static void signers_of(ct_buf *out, size_t *others, const json_t *record, const ct_keyring *trust)
{
	json_t *sig;
	size_t i;

	*others = 0;
	json_array_foreach (json_object_get(record, "signatures"), i, sig) {
		const char *k = json_string_value(json_object_get(sig, "key_id"));
		const json_t *key = k ? ct_keyring_find(trust, k) : NULL;
		const char *name, *org;
		if (!key) {
			(*others)++;
			continue;
		}
		name = json_string_value(json_object_get(key, "name"));
		org = json_string_value(json_object_get(key, "org"));
		ct_buf_printf(out, "%s%s", out->len ? ", " : "", k);
		if (name || org)
			ct_buf_printf(out, " (%s%s%s)", name ? name : "", name && org ? ", " : "",
				org ? org : "");
	}
}

static void print_annotation(
	const json_t *a, const char *current, const json_t *same, const ct_keyring *trust)
{
	const char *kind = json_string_value(json_object_get(a, "kind"));
	const char *judged = json_string_value(json_object_get(a, "claim_revision"));
	ct_buf signers = CT_BUF_INIT;
	size_t others, i;
	json_t *e;

	printf("  %s %s  %s", json_string_value(json_object_get(a, "created")), ct_record_id(a),
		kind);
	cli_print_annotation_says(a);
	if (judged && strcmp(judged, current) != 0) {
		int stands = 0;
		json_array_foreach (same, i, e)
			stands |= strcmp(json_string_value(e), judged) == 0;
		if (stands)
			printf(" [judged %.19s; stands: later revisions only re-anchored the quote]",
				judged);
		else
			printf(" [judged an older revision: %.19s]", judged);
	}
	cli_print_evidence(a);
	signers_of(&signers, &others, a, trust);
	printf("  (signed %s)\n", signers.ptr ? signers.ptr : "by nobody you trust");
	ct_buf_free(&signers);
}

static int show_one(const char *path, const ct_bundle_info *info, const json_t *records,
	const json_t *rec, const json_t *annotations, const ct_keyring *trust)
{
	const json_t *attr = json_object_get(rec, "attribution");
	const json_t *source = NULL, *s, *item;
	json_t *same = NULL;
	const char *status;
	ct_buf why = CT_BUF_INIT, signers = CT_BUF_INIT;
	char digest[CT_DIGEST_LEN + 1];
	size_t others, i;
	int error;

	if (!(same = same_of(json_object_get(records, "claims"), rec))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ct_record_digest(digest, rec)) < 0 ||
		(error = ct_claim_status_same(&status, &why, rec, annotations, same)) < 0)
		goto done;
	/* the source revision the claim cites, else the newest the bundle carries */
	json_array_foreach (json_object_get(records, "sources"), i, s) {
		char d[CT_DIGEST_LEN + 1];
		if (strcmp(ct_record_id(s), json_string_value(json_object_get(attr, "source"))) !=
			0)
			continue;
		if (ct_record_digest(d, s) == 0 && json_object_get(attr, "source_revision") &&
			strcmp(d, json_string_value(json_object_get(attr, "source_revision"))) ==
				0) {
			source = s;
			break;
		}
		source = s;
	}
	printf("claim %s (revision %lld)\n", ct_record_id(rec),
		(long long)json_integer_value(json_object_get(rec, "revision")));
	printf("verified:   %syes%s (bundle %s, created %s by %s, merkle root %.16s...)\n",
		cli_paint(CLI_GREEN), cli_paint(CLI_RESET), path, info->created, info->creator,
		info->root);
	printf("status:     %s%s%s (%s)\n", cli_status_color(status), status,
		*cli_status_color(status) ? cli_paint(CLI_RESET) : "", why.ptr ? why.ptr : "");
	printf("statement:  %s\n", json_string_value(json_object_get(rec, "statement")));
	cli_print_attribution(attr, source, 0);
	if (json_object_get(rec, "quantity")) {
		printf("quantity:   ");
		cli_print_quantity(json_object_get(rec, "quantity"));
		printf("\n");
	}
	if (json_array_size(json_object_get(rec, "tags"))) {
		printf("tags:      ");
		json_array_foreach (json_object_get(rec, "tags"), i, item)
			printf(" %s", json_string_value(item));
		printf("\n");
	}
	printf("created:    %s\n", json_string_value(json_object_get(rec, "created")));
	if (json_object_get(rec, "reason"))
		printf("reason:     %s\n", json_string_value(json_object_get(rec, "reason")));
	signers_of(&signers, &others, rec, trust);
	printf("signed by:  %s\n", signers.ptr ? signers.ptr : "(nobody you trust)");
	if (others)
		printf("            and %zu signature%s by keys you do not trust (not checked)\n",
			others, cli_s(others));
	printf("digest:     %s\n", digest);
	if (json_array_size(annotations)) {
		printf("annotations:\n");
		json_array_foreach (annotations, i, item)
			print_annotation(item, digest, same, trust);
	}
done:
	json_decref(same);
	ct_buf_free(&why);
	ct_buf_free(&signers);
	return error;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The rows of `list`: id, status, statement, the id column as wide as the longest id. */
static int list_all(const json_t *latest, const json_t *claims, const json_t *annotations)
{
	const char *id;
	json_t *rec;
	size_t width = 0;
	int error = 0;

	const char **ids = calloc(json_object_size(latest) + 1, sizeof(*ids));
	size_t n = 0, i;

	if (!ids)
		return ct_error_set(CT_ENOMEM, "out of memory");
	json_object_foreach ((json_t *)latest, id, rec) {
		ids[n++] = id;
		if (strlen(id) > width)
			width = strlen(id);
	}
	qsort(ids, n, sizeof(*ids), by_string);
	for (i = 0; i < n && error == 0; i++) {
		json_t *mine = annotations_of(annotations, ids[i]), *same;
		const char *status;
		id = ids[i];
		rec = json_object_get(latest, id);
		if (!mine) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			break;
		}
		same = same_of(claims, rec);
		error = same ? ct_claim_status_same(&status, NULL, rec, mine, same)
			     : ct_error_set(CT_ENOMEM, "out of memory");
		json_decref(same);
		json_decref(mine);
		if (error < 0)
			break;
		printf("%-*s %s%-12s%s %s\n", (int)width, id, cli_status_color(status), status,
			*cli_status_color(status) ? cli_paint(CLI_RESET) : "",
			json_string_value(json_object_get(rec, "statement")));
	}
	free(ids);
	return error;
}

int cli_bundle_show(ct_cli *cli, int argc, char **argv)
{
	show_args a;
	ct_bundle_verify_opts vo = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_bundle_info info;
	json_t *records = NULL, *latest = NULL, *mine = NULL;
	const json_t *rec = NULL;
	int status;
	int error = 0;

	memset(&a, 0, sizeof(a));
	a.threshold = vo.threshold;
	if ((status = cli_parse(&show_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	status = CT_EXIT_OK;
	if (argc - optind != 1 && argc - optind != 2) {
		status = cli_cmd_usage(&show_cmd, "expected BUNDLE and at most one ID");
		goto out;
	}
	if (!a.trust && (error = ct_keyring_new(&a.trust)) < 0)
		goto done;
	/* the reader's keys: never the ones the bundle carries */
	if ((error = cli_default_trust(a.trust)) < 0 ||
		(error = ct_trust_keyring_add(a.trust, NULL, NULL, cli->repo)) < 0)
		goto done;
	if (ct_keyring_count(a.trust) == 0) {
		status = cli_cmd_usage(&show_cmd,
			"name the keys you trust with --trust KEY.pub: a bundle is shown only once "
			"it verifies against them");
		goto out;
	}
	/* a rotated key is trusted through the key it succeeds (docs/keys.md), as in verify */
	if (ct_bundle_add_successors(a.trust, argv[optind], NULL) < 0)
		ct_error_clear();
	vo.trust = a.trust;
	vo.threshold = a.threshold;
	vo.threads = cli_threads_from_env();
	if ((error = ct_bundle_read(&records, &info, argv[optind], &vo, NULL, NULL)) < 0) {
		error = ct_error_prefix(error, "bundle %s not shown", argv[optind]);
		goto done;
	}
	if (!(latest = latest_claims(json_object_get(records, "claims")))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if (argc - optind == 1) {
		cli_pager_start();
		error = list_all(latest, json_object_get(records, "claims"),
			json_object_get(records, "annotations"));
		goto done;
	}
	/* a whole id, else a unique prefix of one */
	if (!(rec = json_object_get(latest, argv[optind + 1]))) {
		const char *id, *found = NULL;
		json_t *r;
		size_t n = 0, len = strlen(argv[optind + 1]);
		json_object_foreach (latest, id, r)
			if (strncmp(id, argv[optind + 1], len) == 0) {
				found = id;
				n++;
			}
		if (n == 1)
			rec = json_object_get(latest, found);
		else if (n > 1) {
			error = ct_error_set(CT_EAMBIGUOUS, "\"%s\" begins %zu claims in bundle %s",
				argv[optind + 1], n, argv[optind]);
			goto done;
		}
	}
	if (!rec) {
		error = ct_error_set(CT_ENOTFOUND, "no claim \"%s\" in bundle %s", argv[optind + 1],
			argv[optind]);
		goto done;
	}
	if (!(mine = annotations_of(json_object_get(records, "annotations"), ct_record_id(rec)))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	cli_pager_start();
	error = show_one(argv[optind], &info, records, rec, mine, a.trust);
done:
	if (error < 0)
		status = cli_fail(error);
out:
	json_decref(mine);
	json_decref(latest);
	json_decref(records);
	ct_keyring_free(a.trust);
	return status;
}
