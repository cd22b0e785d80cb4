/* claimtrail show, cat, list and log: reading claims, their status and their story. */
#include "cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	const char *rev;
	const char *source;
	const char *tag;
	const char *status;
	const char
		*grep; /* list: only claims whose id or statement holds it (ASCII case ignored) */
	int json;
	int patch;
	int needs_sign_off; /* list: only claims short of the sign-off threshold */
	int claimreview;    /* show: print a schema.org ClaimReview */
	const char *url;    /* show --claimreview: the review page */
	const char *sort;   /* list: id (the default), date or status */
	const char *as_of;  /* show, list: the store as it was then (ct_store_as_of) */
	int unsourced;	    /* list: only claims whose chain names no said-by source */
} read_args;

/* tags are ids: an empty one names none (and matched nowhere, forever) */
static int set_tag(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	(void)opt;
	if (!*value)
		return cli_cmd_usage(cmd, "--tag: an empty tag names nothing");
	((read_args *)args)->tag = value;
	return 0;
}

/* The options of show, cat, list and log; each refuses the others' (they are not ignored). */
#define OPT_REV \
	CLI_STR("rev", 0, "REV", "a revision: its number, a digest prefix or a commit", read_args, \
		rev)
#define OPT_SOURCE \
	CLI_STR("source", 0, "ID", "only claims attributed to source ID", read_args, source)
#define OPT_TAG CLI_FN("tag", 0, CLI_VALUE, "T", "only claims tagged T", set_tag)
#define OPT_STATUS CLI_STR("status", 0, "S", "only claims whose status is S", read_args, status)
#define OPT_NEEDS_SIGN_OFF \
	CLI_FLAG("needs-sign-off", 0, "only claims short of the sign-off threshold", read_args, \
		needs_sign_off)
#define OPT_CLAIMREVIEW \
	CLI_FLAG("claimreview", 0, "print the schema.org ClaimReview", read_args, claimreview)
#define OPT_URL \
	CLI_STR("url", 0, "URL", "with --claimreview: the page that publishes it", read_args, url)
#define OPT_AS_OF \
	CLI_STR("as-of", 0, "DATE", \
		"the store as it was then (YYYY-MM-DD: its end, or YYYY-MM-DDThh:mm:ssZ)", \
		read_args, as_of)
#define OPT_PATCH CLI_FLAG("", 'p', "each revision's diff against the one before", read_args, patch)

static const cli_opt show_opts[] = {
	OPT_REV,
	OPT_AS_OF,
	CLI_OPT_COLOR,
	CLI_OPT_NO_PAGER,
	CLI_OPT_JSON(
		"the record, its verification, status and annotations as JSON", read_args, json),
	OPT_CLAIMREVIEW,
	OPT_URL,
	CLI_REFUSE("source", 0, CLI_VALUE),
	CLI_REFUSE("tag", 0, CLI_VALUE),
	CLI_REFUSE("status", 0, CLI_VALUE),
	CLI_REFUSE("needs-sign-off", 0, CLI_NOVALUE),
	CLI_REFUSE("", 'p', CLI_NOVALUE),
	CLI_END,
};

static const cli_opt cat_opts[] = {
	OPT_REV,
	CLI_REFUSE("source", 0, CLI_VALUE),
	CLI_REFUSE("tag", 0, CLI_VALUE),
	CLI_REFUSE("status", 0, CLI_VALUE),
	CLI_REFUSE("json", 0, CLI_NOVALUE),
	CLI_REFUSE("needs-sign-off", 0, CLI_NOVALUE),
	CLI_REFUSE("claimreview", 0, CLI_NOVALUE),
	CLI_REFUSE("url", 0, CLI_VALUE),
	CLI_REFUSE("", 'p', CLI_NOVALUE),
	CLI_END,
};

static const cli_opt list_opts[] = {
	CLI_FLAG("unsourced", 0, "only claims whose chain names no said-by source", read_args,
		unsourced),
	OPT_AS_OF,
	OPT_SOURCE,
	CLI_STR("grep", 0, "TEXT", "only claims whose id or statement contains TEXT (any case)",
		read_args, grep),
	OPT_TAG,
	OPT_STATUS,
	CLI_OPT_JSON("the claims as JSON", read_args, json),
	OPT_NEEDS_SIGN_OFF,
	CLI_STR("sort", 0, "KEY", "id (the default), date (newest revision first) or status",
		read_args, sort),
	CLI_OPT_COLOR,
	CLI_OPT_NO_PAGER,
	CLI_REFUSE("rev", 0, CLI_VALUE),
	CLI_REFUSE("claimreview", 0, CLI_NOVALUE),
	CLI_REFUSE("url", 0, CLI_VALUE),
	CLI_REFUSE("", 'p', CLI_NOVALUE),
	CLI_END,
};

static const cli_opt log_opts[] = {
	CLI_OPT_JSON("the entries as JSON", read_args, json),
	OPT_PATCH,
	CLI_OPT_COLOR,
	CLI_OPT_NO_PAGER,
	CLI_REFUSE("rev", 0, CLI_VALUE),
	CLI_REFUSE("source", 0, CLI_VALUE),
	CLI_REFUSE("tag", 0, CLI_VALUE),
	CLI_REFUSE("status", 0, CLI_VALUE),
	CLI_REFUSE("needs-sign-off", 0, CLI_NOVALUE),
	CLI_REFUSE("claimreview", 0, CLI_NOVALUE),
	CLI_REFUSE("url", 0, CLI_VALUE),
	CLI_END,
};

/*
 * The claim's status with the reason, from its latest revision and the annotations that verify;
 * "unverified" when the latest revision does not verify. *annotations receives all of them (to
 * show, each with its mark).
 */
static int claim_status(const char **status, ct_buf *why, json_t **annotations, ct_store *store,
	const json_t *latest)
{
	json_t *counted = NULL, *same = NULL, *a;
	ct_verification v;
	size_t i;
	int error;

	if ((error = ct_store_annotations(annotations, store, ct_record_id(latest))) < 0 ||
		(error = ct_store_verify_record(&v, store, latest)) < 0)
		return error;
	if (v.state != CT_RECORD_VERIFIED) {
		*status = "unverified";
		return ct_buf_printf(why, "revision %lld does not verify: %s",
			(long long)json_integer_value(json_object_get(latest, "revision")),
			v.reason);
	}
	{
		/* concurrent revisions kept side by side by a sync (docs/sync.md) */
		json_t *heads = NULL, *h;
		if ((error = ct_store_claim_heads(&heads, store, ct_record_id(latest))) < 0)
			return error;
		if (json_array_size(heads) > 1) {
			*status = "conflicted";
			error = ct_buf_printf(
				why, "%zu concurrent revisions:", json_array_size(heads));
			json_array_foreach (heads, i, h) {
				char d[CT_DIGEST_LEN + 1] = "";
				ct_record_digest(d, h);
				if (error == 0)
					error = ct_buf_printf(why, "%s revision %lld %.19s",
						i ? "," : "",
						(long long)json_integer_value(
							json_object_get(h, "revision")),
						d);
			}
			if (error == 0)
				error = ct_buf_printf(why,
					"; end it with 'claimtrail claim revise %s --merge'",
					ct_record_id(latest));
			json_decref(heads);
			return error;
		}
		json_decref(heads);
	}
	if (!(counted = json_array()))
		return ct_error_set(CT_ENOMEM, "out of memory");
	json_array_foreach (*annotations, i, a) {
		if ((error = ct_store_verify_record(&v, store, a)) < 0)
			goto done;
		if (v.state == CT_RECORD_VERIFIED)
			json_array_append(counted, a);
	}
	if ((error = ct_store_claim_same(&same, store, latest)) < 0)
		goto done;
	error = ct_claim_status_same(status, why, latest, counted, same);
done:
	json_decref(same);
	json_decref(counted);
	return error;
}

/* --as-of: turns store into what it was then, and says which commit that is (text output). */
static int apply_as_of(ct_store *store, const char *as_of, int json)
{
	char commit[41];
	int error;

	if (!as_of)
		return 0;
	if ((error = ct_store_as_of(store, as_of, commit)) < 0)
		return error;
	if (!json)
		printf("as of %s: the store at commit %.12s\n", as_of, commit);
	return 0;
}

/*
 * A claim whose sources were corrected or retracted since it cited them, or that depends on a
 * claim retracted or refuted, needs review (ct_claim_review_flags): unless it is retracted,
 * disputed or unverified already, its status becomes "needs-review" and why says what changed
 * and what the status was.
 */
static int correction_status(const char **status, ct_buf *why, ct_store *store, const json_t *rec)
{
	json_t *flags = NULL, *f;
	ct_buf was = CT_BUF_INIT;
	size_t i;
	int error;

	if (strcmp(*status, "retracted") == 0 || strcmp(*status, "disputed") == 0 ||
		strcmp(*status, "unverified") == 0)
		return 0;
	if ((error = ct_claim_review_flags(&flags, store, rec)) < 0 || !json_array_size(flags))
		goto done;
	if (strcmp(*status, "needs-review") == 0) {
		/* needs review already: its reason first, the corrections after it */
		json_array_foreach (flags, i, f)
			if ((error = ct_buf_printf(why, "; %s", json_string_value(f))) < 0)
				goto done;
		goto done;
	}
	if ((error = ct_buf_printf(&was, "%s: %s", *status, why->ptr ? why->ptr : "")) < 0)
		goto done;
	ct_buf_clear(why);
	json_array_foreach (flags, i, f)
		if ((error = ct_buf_printf(why, "%s%s", i ? "; " : "", json_string_value(f))) < 0)
			goto done;
	if ((error = ct_buf_printf(why, "; before that: %s", was.ptr)) < 0)
		goto done;
	*status = "needs-review";
done:
	ct_buf_free(&was);
	json_decref(flags);
	return error;
}

/* The number of the revision whose digest is judged, 0 when none of digests (revision 1 first). */
static size_t revision_of(const json_t *digests, const char *judged)
{
	size_t i;
	json_t *d;

	/* an entry is the digest of that revision, or of its concurrent revisions, space-separated */
	json_array_foreach (digests, i, d)
		if (judged && *judged && strstr(json_string_value(d), judged))
			return i + 1;
	return 0;
}

/* One line for annotation a; named: led by its date and id (log prints those above it). */
static void print_annotation(ct_store *store, const json_t *a, const char *current_digest,
	const json_t *digests, const json_t *same, int named)
{
	const char *kind = json_string_value(json_object_get(a, "kind"));
	const char *judged = json_string_value(json_object_get(a, "claim_revision"));
	ct_buf signers = CT_BUF_INIT;
	ct_verification v;

	if (cli_verified_signers(&signers, &v, store, a) < 0) {
		ct_buf_clear(&signers);
		ct_buf_printf(&signers, "NOT VERIFIED: %s", ct_error_last());
		v.state = CT_RECORD_BAD_SIGNATURE;
	}
	if (named)
		printf("  %s %s  %s", json_string_value(json_object_get(a, "created")),
			ct_record_id(a), kind);
	else
		printf("  %s", kind);
	cli_print_annotation_says(a);
	if (current_digest && judged && strcmp(judged, current_digest) != 0) {
		size_t n = revision_of(digests, judged);
		if (n && revision_of(same, judged))
			printf(" [judged revision %zu, %.19s; stands: later revisions only re-anchored "
			       "the quote]",
				n, judged);
		else if (n && n == revision_of(digests, current_digest))
			printf(" [judged the concurrent revision %zu, %.19s]", n, judged);
		else if (n)
			printf(" [judged an older revision: %.19s, revision %zu]", judged, n);
		else
			printf(" [judges %.19s, which is no revision of this claim in the store]",
				judged);
	}
	cli_print_evidence(a);
	if (v.state == CT_RECORD_VERIFIED)
		printf("  (signed %s)\n", signers.ptr ? signers.ptr : "by nobody");
	else
		printf("  (%s)\n", signers.ptr);
	ct_buf_free(&signers);
}

/* "sign-off:   1 of 2 signers (needs 1 more)": distinct valid signers among the keys the user
 * trusts (the trust list, as check takes it), never a key that merely arrived in the store. A
 * sign-off of a revision the current one only re-anchored counts, and says so. Returns those
 * (ct_store_claim_signer_count's carried: free it), or NULL. */
static json_t *print_sign_off(ct_store *store, const json_t *rec)
{
	ct_keyring *ring = NULL;
	ct_trust_info info;
	json_t *carried = NULL, *c;
	size_t have, need = ct_store_sign_off_threshold(store), i;

	if (ct_store_trust(&ring, &info, store, NULL) < 0 ||
		ct_store_claim_signer_count(&have, &carried, store, rec, ring) < 0) {
		ct_error_clear();
		ct_keyring_free(ring);
		return NULL;
	}
	if (have >= need)
		printf("sign-off:   %zu of %zu signer%s", have, need, cli_s(need));
	else
		printf("sign-off:   %zu of %zu signer%s (needs %zu more)", have, need, cli_s(need),
			need - have);
	if (json_array_size(carried)) {
		printf(" [");
		json_array_foreach (carried, i, c)
			printf("%s%s signed revision %lld", i ? ", " : "",
				json_string_value(json_object_get(c, "key_id")),
				(long long)json_integer_value(json_object_get(c, "revision")));
		printf("; stands: later revisions only re-anchored the quote]");
	}
	printf("\n");
	ct_keyring_free(ring);
	return carried;
}

/* Text from a source on one line: line breaks and tabs as spaces. */
/* Each sign-off of rec: when, by whom, its note. A sign-off whose key is not among the
 * revision's signatures that verify (signers) is marked, never shown as signed. */
static void print_sign_offs(ct_store *store, const json_t *rec, const char *signers)
{
	json_t *offs = NULL, *o;
	size_t i;

	if (ct_store_sign_offs(&offs, store, ct_record_id(rec),
		    json_integer_value(json_object_get(rec, "revision"))) < 0) {
		printf("            (the sign-offs' commits cannot be read: %s)\n",
			ct_error_last());
		ct_error_clear();
		return;
	}
	json_array_foreach (offs, i, o) {
		const char *key = json_string_value(json_object_get(o, "key_id"));
		const char *note = json_string_value(json_object_get(o, "note"));
		printf("  signed off %s by %s%s%s%s\n", json_string_value(json_object_get(o, "at")),
			key,
			signers && strstr(signers, key)
				? ""
				: " (NOT VERIFIED: no such signature verifies)",
			note ? ": " : "", note ? note : "");
	}
	json_decref(offs);
}

/* The sign-offs that stand from revisions the current one only re-anchored (carried, from
 * ct_store_claim_signer_count: each key's signature there verifies): when and with what note. */
static void print_carried_sign_offs(ct_store *store, const json_t *rec, const json_t *carried)
{
	json_t *offs = NULL, *o, *c;
	size_t i, k;

	json_array_foreach (carried, k, c) {
		const char *want = json_string_value(json_object_get(c, "key_id"));
		json_int_t rev = json_integer_value(json_object_get(c, "revision"));
		if (ct_store_sign_offs(&offs, store, ct_record_id(rec), rev) < 0) {
			ct_error_clear();
			continue;
		}
		json_array_foreach (offs, i, o) {
			const char *key = json_string_value(json_object_get(o, "key_id"));
			const char *note = json_string_value(json_object_get(o, "note"));
			if (strcmp(key, want) != 0)
				continue;
			printf("  signed off %s by %s on revision %lld%s%s\n",
				json_string_value(json_object_get(o, "at")), key, (long long)rev,
				note ? ": " : "", note ? note : "");
		}
		json_decref(offs);
		offs = NULL;
	}
}

/* The attribution chain, hedges, links to other claims and why the claim needs review. */
static void print_reasoning(ct_store *store, const json_t *rec)
{
	json_t *chain = NULL, *flags = NULL, *e;
	size_t i;

	if (ct_claim_chain(&chain, store, rec) == 0 &&
		(json_array_size(chain) > 1 || json_object_get(rec, "sources") ||
			json_object_get(json_object_get(rec, "attribution"), "role"))) {
		printf("chain:      ");
		cli_print_chain(chain);
		printf("\n");
		json_array_foreach (chain, i, e) {
			const char *role = json_string_value(json_object_get(e, "role"));
			printf("  %-11s %s", role, json_string_value(json_object_get(e, "source")));
			if (json_object_get(e, "title"))
				printf(" - %s (%s)", json_string_value(json_object_get(e, "title")),
					json_string_value(json_object_get(e, "publisher")));
			if (json_object_get(e, "quote"))
				printf(", \"%s\"", json_string_value(json_object_get(e, "quote")));
			if (json_object_get(e, "location"))
				printf(", %s", json_string_value(json_object_get(e, "location")));
			if (json_object_get(e, "selector"))
				printf(" [anchored: characters %lld-%lld]",
					(long long)json_integer_value(json_object_get(
						json_object_get(e, "selector"), "start")),
					(long long)json_integer_value(json_object_get(
						json_object_get(e, "selector"), "end")));
			printf("\n");
		}
	}
	ct_error_clear();
	if (json_object_get(rec, "hedges")) {
		printf("hedges:     ");
		json_array_foreach (json_object_get(rec, "hedges"), i, e)
			printf("%s'%s'", i ? ", " : "", json_string_value(e));
		printf("%s\n", json_array_size(json_object_get(rec, "hedges")) ? "" : "(none)");
	}
	if (json_object_get(rec, "depends_on")) {
		printf("depends on:");
		json_array_foreach (json_object_get(rec, "depends_on"), i, e)
			printf(" %s", json_string_value(e));
		printf("\n");
	}
	if (json_object_get(rec, "same_quantity")) {
		printf("same quantity as:");
		json_array_foreach (json_object_get(rec, "same_quantity"), i, e)
			printf(" %s", json_string_value(e));
		printf("\n");
	}
	if (ct_claim_review_flags(&flags, store, rec) == 0)
		json_array_foreach (flags, i, e)
			printf("%sneeds review:%s %s\n", cli_paint(CLI_BOLD_RED),
				cli_paint(CLI_RESET), json_string_value(e));
	ct_error_clear();
	json_decref(flags);
	json_decref(chain);
}

static int show_claim(ct_store *store, const json_t *rec, json_int_t count, const char *status,
	const char *why, const json_t *annotations, const json_t *digests)
{
	ct_verification v;
	const json_t *attr = json_object_get(rec, "attribution");
	const json_t *qty = json_object_get(rec, "quantity");
	ct_buf signers = CT_BUF_INIT;
	char digest[CT_DIGEST_LEN + 1];
	json_t *source = NULL, *same = NULL;
	size_t i;
	json_t *item;

	ct_record_digest(digest, rec);
	if (cli_verified_signers(&signers, &v, store, rec) < 0)
		return ct_error_last_code();
	if (ct_store_claim_same(&same, store, rec) < 0)
		ct_error_clear(); /* the markers then say "older revision", as before */
	ct_store_get(&source, store, CT_KIND_SOURCE,
		json_string_value(json_object_get(attr, "source")), 0);
	ct_error_clear();
	printf("claim %s (revision %lld of %lld)\n", ct_record_id(rec),
		(long long)json_integer_value(json_object_get(rec, "revision")), (long long)count);
	if (v.state == CT_RECORD_VERIFIED)
		printf("verified:   %syes%s\n", cli_paint(CLI_GREEN), cli_paint(CLI_RESET));
	else
		printf("verified:   %sNO%s (%s): %s\n", cli_paint(CLI_BOLD_RED),
			cli_paint(CLI_RESET), ct_record_state_name(v.state), v.reason);
	printf("status:     %s%s%s (%s)\n", cli_status_color(status), status,
		*cli_status_color(status) ? cli_paint(CLI_RESET) : "", why);
	printf("statement:  %s\n", json_string_value(json_object_get(rec, "statement")));
	cli_print_attribution(attr, source, 1);
	if (qty) {
		printf("quantity:   ");
		cli_print_quantity(qty);
		printf("\n");
	}
	print_reasoning(store, rec);
	if (json_array_size(json_object_get(rec, "tags"))) {
		printf("tags:      ");
		json_array_foreach (json_object_get(rec, "tags"), i, item)
			printf(" %s", json_string_value(item));
		printf("\n");
	}
	printf("created:    %s\n", json_string_value(json_object_get(rec, "created")));
	if (json_object_get(rec, "reason"))
		printf("reason:     %s\n", json_string_value(json_object_get(rec, "reason")));
	if (v.state == CT_RECORD_VERIFIED) {
		printf("signed by:  %s\n", signers.ptr ? signers.ptr : "(nobody)");
		json_t *carried = print_sign_off(store, rec);
		print_sign_offs(store, rec, signers.ptr);
		print_carried_sign_offs(store, rec, carried);
		json_decref(carried);
	} else {
		printf("signed by:  (not verified)\n");
		printf("sign-off:   0 of %zu signer%s (this revision does not verify)\n",
			ct_store_sign_off_threshold(store),
			cli_s(ct_store_sign_off_threshold(store)));
	}
	printf("digest:     %s\n", digest);
	if (json_array_size(annotations)) {
		printf("annotations:\n");
		json_array_foreach (annotations, i, item)
			print_annotation(store, item, digest, digests, same, 1);
	}
	ct_buf_free(&signers);
	json_decref(same);
	json_decref(source);
	return 0;
}

static const char show_usage[] =
	"usage: claimtrail show ID [--rev REV] [--as-of DATE] [--json]\n"
	"       claimtrail show ID --claimreview [--url URL]\n\n"
	"Shows a claim: its statement, attribution, quantity, status and why, signers and\n"
	"annotations. REV is a revision number, a digest prefix or a commit. --claimreview prints\n"
	"the schema.org ClaimReview (JSON-LD) of the verdict that stands on the current revision\n"
	"(none after an upheld dispute or a retraction: exit 3); URL is the page that publishes\n"
	"the review.\n";

static const cli_cmd show_cmd = {"show", show_usage, show_opts};

int cmd_show(ct_cli *cli, int argc, char **argv)
{
	read_args a = {0};
	ct_store *store = NULL;
	json_t *rec = NULL, *latest = NULL, *annotations = NULL, *digests = NULL;
	json_t *item = NULL;
	ct_verification v;
	json_int_t rev = 0, count = 0;
	size_t i;
	const char *status = NULL;
	ct_buf why = CT_BUF_INIT, id = CT_BUF_INIT;
	int rc, error = 0;

	if ((rc = cli_parse(&show_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		rc = cli_cmd_usage(&show_cmd, "expected one claim ID");
		goto out;
	}
	if (a.claimreview) {
		if (a.rev) {
			rc = cli_cmd_usage(
				&show_cmd, "--claimreview reviews the current revision, not --rev");
			goto out;
		}
		if ((error = cli_open_store(&store, cli)) < 0 ||
			(error = apply_as_of(store, a.as_of, 1)) < 0 ||
			(error = cli_resolve_arg(&argv[optind], &id, store, CT_KIND_CLAIM)) < 0 ||
			(error = ct_claim_review(&rec, store, argv[optind], a.url)) < 0)
			goto done;
		cli_print_json(rec);
		goto done;
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = apply_as_of(store, a.as_of, a.json)) < 0 ||
		(error = cli_resolve_arg(&argv[optind], &id, store, CT_KIND_CLAIM)) < 0 ||
		(error = ct_store_get(&latest, store, CT_KIND_CLAIM, argv[optind], 0)) < 0)
		goto done;
	count = json_integer_value(json_object_get(latest, "revision"));
	if (!a.rev)
		rec = json_incref(latest);
	else if ((rec = cli_concurrent_by_digest(store, CT_KIND_CLAIM, argv[optind], a.rev)))
		;
	else if ((error = ct_store_resolve_revision(
			  &rev, store, CT_KIND_CLAIM, argv[optind], a.rev)) < 0 ||
		(error = ct_store_get(&rec, store, CT_KIND_CLAIM, argv[optind], rev)) < 0)
		goto done;
	if ((error = claim_status(&status, &why, &annotations, store, latest)) < 0 ||
		(error = correction_status(&status, &why, store, latest)) < 0)
		goto done;
	/* the digest of every revision, to name the one an annotation judges ("" when a revision
	 * file is not what it should be: show marks that through the verification state) */
	digests = json_array();
	for (i = 1; i <= (size_t)count; i++) {
		char d[CT_DIGEST_LEN + 1] = "";
		if (ct_store_get(&item, store, CT_KIND_CLAIM, argv[optind], (json_int_t)i) == 0 &&
			ct_record_digest(d, item) < 0)
			d[0] = '\0';
		ct_error_clear();
		json_decref(item);
		item = NULL;
		json_array_append_new(digests, json_string(d));
	}
	if (strcmp(status, "conflicted") == 0) {
		/* the concurrent revisions too: a verdict on either stays with it (docs/sync.md) */
		json_t *heads = NULL, *h;
		if (ct_store_claim_heads(&heads, store, argv[optind]) == 0)
			json_array_foreach (heads, i, h) {
				char d[CT_DIGEST_LEN + 1];
				json_int_t n = json_integer_value(json_object_get(h, "revision"));
				json_t *at = json_array_get(digests, (size_t)n - 1);
				if (at && ct_record_digest(d, h) == 0 &&
					!strstr(json_string_value(at), d)) {
					char both[2 * CT_DIGEST_LEN + 2];
					snprintf(both, sizeof(both), "%s %s", json_string_value(at),
						d);
					json_array_set_new(
						digests, (size_t)n - 1, json_string(both));
				}
			}
		ct_error_clear();
		json_decref(heads);
	}
	if (a.json) {
		json_t *marks = json_array();
		json_t *out;
		json_array_foreach (annotations, i, item) {
			if ((error = ct_store_verify_record(&v, store, item)) < 0) {
				json_decref(marks);
				goto done;
			}
			json_array_append_new(marks, cli_verification_json(&v));
		}
		if ((error = ct_store_verify_record(&v, store, rec)) < 0) {
			json_decref(marks);
			goto done;
		}
		out = json_pack("{s:O, s:o, s:s, s:s, s:O, s:o}", "record", rec, "verification",
			cli_verification_json(&v), "status", status, "status_reason", why.ptr,
			"annotations", annotations, "annotations_verification", marks);
		/* the attribution chain and the corrections that call for review (issue 18) */
		if (out) {
			json_t *chain = NULL, *flags = NULL;
			if ((error = ct_claim_chain(&chain, store, rec)) < 0 ||
				(error = ct_claim_review_flags(&flags, store, latest)) < 0) {
				json_decref(chain);
				json_decref(out);
				goto done;
			}
			json_object_set_new(out, "chain", chain);
			json_object_set_new(out, "needs_review", flags);
		}
		cli_print_json(out);
		json_decref(out);
	} else {
		cli_pager_start();
		if ((error = show_claim(store, rec, count, status, why.ptr, annotations, digests)) <
			0)
			goto done;
	}
done:
	rc = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	json_decref(digests);
	ct_buf_free(&id);
	ct_buf_free(&why);
	json_decref(rec);
	json_decref(latest);
	json_decref(annotations);
	ct_store_free(store);
	return rc;
}

static const char cat_usage[] =
	"usage: claimtrail cat ID [--rev REV]\n\n"
	"Prints a claim revision (default: the latest) exactly as stored, byte for byte.\n";

static const cli_cmd cat_cmd = {"cat", cat_usage, cat_opts};

int cmd_cat(ct_cli *cli, int argc, char **argv)
{
	read_args a = {0};
	ct_store *store = NULL;
	ct_buf data = CT_BUF_INIT, id = CT_BUF_INIT;
	json_int_t rev = 0;
	int status, error = 0;

	if ((status = cli_parse(&cat_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&cat_cmd, "expected one claim ID");
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_resolve_arg(&argv[optind], &id, store, CT_KIND_CLAIM)) < 0 ||
		(a.rev &&
			(error = ct_store_resolve_revision(
				 &rev, store, CT_KIND_CLAIM, argv[optind], a.rev)) < 0) ||
		(error = ct_store_get_raw(&data, store, CT_KIND_CLAIM, argv[optind], rev)) < 0)
		goto done;
	fwrite(data.ptr, 1, data.len, stdout);
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&id);
	ct_buf_free(&data);
	ct_store_free(store);
	return status;
}

typedef struct {
	ct_store *store;
	read_args *args;
	json_t *rows;	  /* one object per claim listed; text rows also carry "_extra" */
	ct_keyring *ring; /* --needs-sign-off: the store's keys */
	size_t need;	  /* --needs-sign-off: the threshold */
	json_t *review;	  /* --status: the claims that need review (ct_store_needs_review) */
} list_state;

/* Keeps a text row until every row is known, to sort them and fit the id column. extra: what
 * stands between the status and the statement. */
static int list_row(list_state *s, const ct_claim_summary *c, const char *extra)
{
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", c->id, "status", c->status,
		"_extra", extra, "_prefix", *c->unverified ? "NOT VERIFIED: " : "", "statement",
		*c->unverified ? c->unverified : c->statement);

	if (!row || json_array_append_new(s->rows, row) < 0)
		return ct_error_set(CT_ENOMEM, "out of memory");
	return 0;
}

/* The bytes of the first n characters of UTF-8 text s, and whether s has more. */
static size_t utf8_prefix(const char *s, size_t n, int *more)
{
	size_t i = 0, chars = 0;

	while (s[i] && chars < n) {
		i++;
		while ((s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	*more = s[i] != '\0';
	return i;
}

/* The rows, the id column as wide as the longest id; on a terminal each statement is cut
 * with an ellipsis to the width, in full when piped. */
static void list_print(const list_state *s)
{
	size_t width = cli_term_width(), id_width = 0, i;
	json_t *row;

	json_array_foreach (s->rows, i, row)
		if (strlen(json_string_value(json_object_get(row, "id"))) > id_width)
			id_width = strlen(json_string_value(json_object_get(row, "id")));
	json_array_foreach (s->rows, i, row) {
		const char *status = json_string_value(json_object_get(row, "status"));
		const char *extra = json_string_value(json_object_get(row, "_extra"));
		const char *prefix = json_string_value(json_object_get(row, "_prefix"));
		const char *statement = json_string_value(json_object_get(row, "statement"));
		size_t status_width = strlen(status) < 12 ? 12 : strlen(status);
		size_t used = id_width + 1 + status_width + 1 + strlen(extra) + strlen(prefix);
		size_t len = strlen(statement);
		int more = 0;

		if (width) {
			/* at least a few words of the statement, however narrow the terminal */
			size_t room = width > used + 10 ? width - used : 10;
			len = utf8_prefix(statement, room, &more);
			if (more)
				len = utf8_prefix(statement, room - 1, &more);
		}
		printf("%-*s %s%-12s%s %s%s%s%s%.*s%s\n", (int)id_width,
			json_string_value(json_object_get(row, "id")), cli_status_color(status),
			status, *cli_status_color(status) ? cli_paint(CLI_RESET) : "", extra,
			*prefix ? cli_paint(CLI_BOLD_RED) : "", prefix,
			*prefix ? cli_paint(CLI_RESET) : "", (int)len, statement,
			more ? "\xe2\x80\xa6" : "");
	}
}

/* 1 when item is one of the comma-separated values in list. */
static int in_list(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	if (n == 0)
		return 0;
	while ((p = strstr(p, item))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static json_t *split_list(const char *list)
{
	json_t *out = json_array();
	const char *p = list;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		json_array_append_new(out, json_stringn(p, n));
		p += n + (comma ? 1 : 0);
	}
	return out;
}

/* A folder the listing left out (a crafted or hand-made tree): said, not fatal. */
static void list_skipped(const char *path, const char *why, void *payload)
{
	(void)payload;
	fprintf(stderr, "claimtrail: warning: %s: left out: %s (see 'claimtrail check')\n", path,
		why);
}

/* 1 when text contains needle, ASCII letters compared without regard to case. */
static int contains_nocase(const char *text, const char *needle)
{
	size_t i, n = strlen(needle);

	for (; *text; text++) {
		for (i = 0; i < n && text[i] &&
			tolower((unsigned char)text[i]) == tolower((unsigned char)needle[i]);
			i++)
			;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static int list_one(const ct_claim_summary *c, void *payload)
{
	list_state *s = payload;
	ct_claim_summary corrected;

	if (s->args->grep && !contains_nocase(c->id, s->args->grep) &&
		!contains_nocase(c->statement, s->args->grep))
		return 0;

	if (s->args->source && strcmp(c->source, s->args->source) != 0)
		return 0;
	if (s->args->tag && !in_list(c->tags, s->args->tag))
		return 0;
	if (s->review && json_object_get(s->review, c->id) && strcmp(c->status, "retracted") != 0 &&
		strcmp(c->status, "disputed") != 0 && strcmp(c->status, "unverified") != 0) {
		corrected = *c;
		corrected.status = "needs-review";
		c = &corrected;
	}
	if (s->args->status && strcmp(c->status, s->args->status) != 0)
		return 0;
	if (s->args->unsourced) {
		/* lacking an original source: no link of the chain has the role said-by */
		json_t *rec = NULL, *chain = NULL, *e;
		size_t i;
		int said = 0, error;
		if ((error = ct_store_get(&rec, s->store, CT_KIND_CLAIM, c->id, 0)) < 0 ||
			(error = ct_claim_chain(&chain, s->store, rec)) < 0) {
			json_decref(rec);
			return error;
		}
		json_array_foreach (chain, i, e)
			said |= strcmp(json_string_value(json_object_get(e, "role")), "said-by") ==
				0;
		json_decref(chain);
		json_decref(rec);
		if (said)
			return 0;
	}
	if (s->args->needs_sign_off) {
		/* the summary's key ids bound the count from above; verify only where they suffice */
		size_t named = *c->signers ? 1 : 0, have;
		const char *p;
		json_t *rec = NULL;
		int error;
		for (p = c->signers; *p; p++)
			named += *p == ',';
		have = named;
		/* a revision that only re-anchored the quote counts its older revisions' sign-offs */
		if (named >= s->need || c->revision > 1) {
			if ((error = ct_store_get(&rec, s->store, CT_KIND_CLAIM, c->id, 0)) < 0 ||
				(error = ct_store_claim_signer_count(
					 &have, NULL, s->store, rec, s->ring)) < 0) {
				json_decref(rec);
				return error;
			}
			json_decref(rec);
		}
		if (have >= s->need)
			return 0;
		if (!s->args->json) {
			/* an unverified claim's statement is not what anyone signed: say why */
			char extra[64];
			snprintf(extra, sizeof(extra), "%zu/%zu signer%s  ", have, s->need,
				cli_s(s->need));
			return list_row(s, c, extra);
		}
		json_array_append_new(s->rows,
			json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:I}", "id", c->id, "status",
				c->status, "revision", c->revision, "statement", c->statement,
				"source", c->source, "signers", (json_int_t)have, "needs",
				(json_int_t)s->need));
		return 0;
	}
	if (!s->args->json) /* an unverified claim's statement is not what anyone signed */
		return list_row(s, c, "");
	json_array_append_new(s->rows,
		json_pack("{s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:b, s:s}", "id", c->id, "status",
			c->status, "revision", c->revision, "statement", c->statement, "source",
			c->source, "tags", split_list(c->tags), "signers", split_list(c->signers),
			"verified", !*c->unverified, "unverified", c->unverified));
	return 0;
}

/* --sort: by id, by the current revision's date (newest first, then id), or by status. */
static const char *sort_key;

static int compare_rows(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	int c = 0;

	if (strcmp(sort_key, "date") == 0)
		c = -strcmp(json_string_value(json_object_get(a, "_created")),
			json_string_value(json_object_get(b, "_created")));
	else if (strcmp(sort_key, "status") == 0)
		c = strcmp(json_string_value(json_object_get(a, "status")),
			json_string_value(json_object_get(b, "status")));
	return c ? c
		 : strcmp(json_string_value(json_object_get(a, "id")),
			   json_string_value(json_object_get(b, "id")));
}

/* Sorts the rows by s->args->sort; --sort date reads each claim's current revision. The
 * members only text needs are dropped from JSON rows. */
static int list_sort(list_state *s)
{
	size_t n = json_array_size(s->rows), i;
	json_t **v = NULL, *sorted = NULL;
	int error = 0;

	sort_key = s->args->sort ? s->args->sort : "id";
	if (n == 0)
		return 0;
	if (!(v = calloc(n, sizeof(*v))) || !(sorted = json_array())) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		v[i] = json_array_get(s->rows, i);
		if (strcmp(sort_key, "date") == 0) {
			json_t *rec = NULL;
			const char *id = json_string_value(json_object_get(v[i], "id"));
			if ((error = ct_store_get(&rec, s->store, CT_KIND_CLAIM, id, 0)) < 0)
				goto done;
			json_object_set(v[i], "_created", json_object_get(rec, "created"));
			json_decref(rec);
		}
	}
	qsort(v, n, sizeof(*v), compare_rows);
	for (i = 0; i < n; i++) {
		json_array_append(sorted, v[i]);
		if (s->args->json)
			json_object_del(v[i], "_created");
	}
	json_decref(s->rows);
	s->rows = sorted;
	sorted = NULL;
done:
	json_decref(sorted);
	free(v);
	return error;
}

const char *const cli_statuses[] = {"unreviewed", "supported", "refuted", "mixed", "misleading",
	"unverifiable", "disputed", "needs-review", "retracted", "unverified", "conflicted", NULL};

static const char list_usage[] =
	"usage: claimtrail list [--source ID] [--tag T] [--status S] [--grep TEXT]\n"
	"                      [--needs-sign-off] [--sort id|date|status] [--as-of DATE]\n"
	"                      [--unsourced] [--json]\n\n"
	"Lists claims (id, status, statement), sorted by id unless --sort says otherwise; on a\n"
	"terminal each statement is cut with ... to its width (in full when piped). S: unreviewed,\n"
	"supported, refuted, mixed,\n"
	"misleading, unverifiable, disputed, needs-review, retracted, unverified (the current\n"
	"revision's signatures or chain do not verify), conflicted (concurrent revisions kept\n"
	"by a sync, until 'claim revise --merge'). --needs-sign-off lists only\n"
	"claims whose current revision has fewer distinct valid signers than store.json's\n"
	"sign_off_threshold, with the count. --grep keeps the claims whose id or statement\n"
	"contains TEXT, ignoring the case of ASCII letters (for ranked search: claimtrail search).\n"
	"--unsourced keeps the claims whose attribution chain names no said-by source (read\n"
	"somewhere, said by nobody recorded). --as-of DATE: the store as it was then.\n";

static const cli_cmd list_cmd = {"list", list_usage, list_opts};

int cmd_list(ct_cli *cli, int argc, char **argv)
{
	ct_trust_info trust_info;
	read_args a = {0};
	list_state s;
	ct_store *store = NULL;
	size_t i;
	ct_buf source_id = CT_BUF_INIT;
	int status, error = 0;

	if ((status = cli_parse(&list_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (optind != argc) {
		status = cli_cmd_usage(&list_cmd, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (a.status) {
		/* matched without regard to case: --status Disputed */
		for (i = 0; cli_statuses[i] && strcasecmp(cli_statuses[i], a.status) != 0; i++)
			;
		if (!cli_statuses[i]) {
			status = cli_cmd_usage(&list_cmd,
				"unknown status '%s' (one of: unreviewed, supported, refuted, mixed, "
				"misleading, unverifiable, disputed, needs-review, retracted, unverified, "
				"conflicted)",
				a.status);
			goto out;
		}
		a.status = cli_statuses[i];
	}
	if (a.sort && strcmp(a.sort, "id") != 0 && strcmp(a.sort, "date") != 0 &&
		strcmp(a.sort, "status") != 0) {
		status = cli_cmd_usage(
			&list_cmd, "--sort takes id, date or status, not '%s'", a.sort);
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = apply_as_of(store, a.as_of, a.json)) < 0 ||
		(error = cli_resolve_id(&a.source, &source_id, store, CT_KIND_SOURCE, NULL)) < 0)
		goto done;
	s.args = &a;
	s.rows = json_array();
	s.store = store;
	s.ring = NULL;
	s.need = ct_store_sign_off_threshold(store);
	s.review = NULL;
	if (a.status && (error = ct_store_needs_review(&s.review, store)) < 0) {
		json_decref(s.rows);
		goto done;
	}
	if (a.needs_sign_off && (error = ct_store_trust(&s.ring, &trust_info, store, NULL)) < 0) {
		json_decref(s.rows);
		goto done;
	}
	error = ct_store_list_claims_report(store, list_one, &s, list_skipped, NULL);
	ct_keyring_free(s.ring);
	json_decref(s.review);
	if (error == 0)
		error = list_sort(&s);
	if (error == 0 && a.json) {
		cli_print_json(s.rows);
	} else if (error == 0) {
		cli_pager_start();
		list_print(&s);
	}
	json_decref(s.rows);
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&source_id);
	ct_store_free(store);
	return status;
}

static const char log_usage[] =
	"usage: claimtrail log ID [-p] [--json]\n\n"
	"A claim's whole story, newest first: every revision (number, commit, date, signer,\n"
	"reason) and every annotation. ID may also name a source. -p: each revision's diff\n"
	"against the one before (see claimtrail diff).\n";

static const cli_cmd log_cmd = {"log", log_usage, log_opts};

/* A claim revision's flags against the one before (a hedge removed: docs/diff.md, "Flags"). */
static int print_log_flags(ct_store *store, const char *id, json_int_t revision)
{
	char ra[24], rb[24];
	json_t *diff = NULL, *f;
	size_t i;
	int error;

	if (revision < 2)
		return 0;
	snprintf(ra, sizeof(ra), "%lld", (long long)revision - 1);
	snprintf(rb, sizeof(rb), "%lld", (long long)revision);
	if ((error = ct_store_diff_revisions(&diff, store, CT_KIND_CLAIM, id, ra, rb)) < 0)
		return error;
	json_array_foreach (json_object_get(diff, "flags"), i, f)
		printf("  %sflag: %s%s\n", cli_paint(CLI_BOLD_RED), json_string_value(f),
			cli_paint(CLI_RESET));
	json_decref(diff);
	return 0;
}

static json_t *log_entry_json(const ct_log_entry *e, const ct_verification *v)
{
	return json_pack("{s:s, s:I, s:s, s:O, s:o}", "kind", ct_kind_name(e->kind), "revision",
		e->revision, "commit", e->commit, "record", e->record, "verification",
		cli_verification_json(v));
}

int cmd_log(ct_cli *cli, int argc, char **argv)
{
	read_args a = {0};
	ct_store *store = NULL;
	ct_log *log = NULL;
	ct_kind kind = CT_KIND_CLAIM;
	json_t *out = NULL;
	size_t i;
	ct_buf id_buf = CT_BUF_INIT;
	const char *id;
	int status, error = 0;

	if ((status = cli_parse(&log_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&log_cmd, "expected one claim ID");
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0)
		goto done;
	/* ID names a claim or a source, or begins one's id */
	id = argv[optind];
	if ((error = cli_resolve_claim_or_source(&kind, &id, &id_buf, store)) == 0)
		argv[optind] = id_buf.ptr;
	if (error == 0)
		error = ct_store_log(&log, store, kind, argv[optind]);
	if (error < 0)
		goto done;
	if (a.json) {
		out = json_array();
		for (i = 0; i < ct_log_count(log); i++) {
			const ct_log_entry *e = ct_log_get(log, i);
			ct_verification v;
			json_t *entry;
			if ((error = ct_store_verify_record(&v, store, e->record)) < 0)
				goto done;
			entry = log_entry_json(e, &v);
			json_array_append_new(out, entry);
			if (a.patch && e->kind != CT_KIND_ANNOTATION &&
				(error = cli_log_patch(
					 store, kind, argv[optind], e->revision, entry)) < 0)
				goto done;
		}
		cli_print_json(out);
		goto done;
	}
	cli_pager_start();
	for (i = 0; i < ct_log_count(log); i++) {
		const ct_log_entry *e = ct_log_get(log, i);
		ct_buf signers = CT_BUF_INIT;
		ct_verification v;
		if ((error = cli_verified_signers(&signers, &v, store, e->record)) < 0) {
			ct_buf_free(&signers);
			goto done;
		}
		if (e->kind == CT_KIND_ANNOTATION) {
			printf("annotation %s  %.12s  %s\n", ct_record_id(e->record),
				e->commit[0] ? e->commit : "(unknown)",
				json_string_value(json_object_get(e->record, "created")));
			print_annotation(store, e->record, NULL, NULL, NULL, 0);
		} else {
			const char *reason =
				json_string_value(json_object_get(e->record, "reason"));
			printf("%srevision %lld%s  %.12s  %s  %s%s\n", cli_paint(CLI_BOLD),
				(long long)e->revision, cli_paint(CLI_RESET),
				e->commit[0] ? e->commit : "(unknown)",
				json_string_value(json_object_get(e->record, "created")),
				v.state == CT_RECORD_VERIFIED ? "signed " : "",
				signers.ptr ? signers.ptr : "by nobody");
			if (json_is_true(json_object_get(e->record, "retracted")))
				printf("  %sRETRACTED%s\n", cli_paint(CLI_DIM),
					cli_paint(CLI_RESET));
			if (kind == CT_KIND_CLAIM)
				printf("  %s\n",
					json_string_value(json_object_get(e->record, "statement")));
			else
				printf("  %s\n",
					json_string_value(json_object_get(e->record, "title")));
			printf("  reason: %s\n",
				reason ? reason
				       : (e->revision == 1 ? "(first revision)" : "(none)"));
			if (!a.patch && kind == CT_KIND_CLAIM &&
				(error = print_log_flags(store, argv[optind], e->revision)) < 0) {
				ct_buf_free(&signers);
				goto done;
			}
			if (a.patch &&
				(error = cli_log_patch(
					 store, kind, argv[optind], e->revision, NULL)) < 0) {
				ct_buf_free(&signers);
				goto done;
			}
		}
		ct_buf_free(&signers);
		if (i + 1 < ct_log_count(log))
			printf("\n");
	}
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&id_buf);
	json_decref(out);
	ct_log_free(log);
	ct_store_free(store);
	return status;
}
