/* claimtrail diff: two revisions of a claim or source field by field, or a whole store between
 * two git revisions; and the per-revision diffs of `log -p`. Formats: docs/diff.md. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RED "\033[31m"
#define GREEN "\033[32m"
#define BOLD "\033[1m"
#define RESET "\033[m"

static const char diff_usage[] =
	"usage: claimtrail diff ID [REV-A [REV-B]] [--json] [--color[=WHEN]]\n"
	"       claimtrail diff --store A B [--json]\n"
	"       claimtrail diff BUNDLE-A BUNDLE-B [--json]\n\n"
	"What changed between two revisions of a claim (or source): default the previous and the\n"
	"current one; with one REV, that revision and the current one. REV is a revision number,\n"
	"a digest prefix or a commit. Text fields are diffed word by word, marked [-old-]{+new+}\n"
	"(in red and green on a terminal); other fields as old -> new. --json adds an RFC 6902\n"
	"patch that turns revision A's record into revision B's.\n\n"
	"--store: what happened to the store between two git revisions A and B (a commit, tag,\n"
	"branch or HEAD~3), one line per change and the counts at the end.\n\n"
	"BUNDLE-A BUNDLE-B: the records the second bundle adds, drops, or carries with other\n"
	"signed bytes under the same kind, id and revision (neither bundle is verified).\n\n"
	"WHEN: always, never or auto (the default: colour when stdout is a terminal and NO_COLOR\n"
	"is not set).\n";

/* Prints a JSON value of a field as text: strings raw, string arrays comma separated. */
static void print_value(const json_t *v, const char *color, int use_color)
{
	if (use_color)
		fputs(color, stdout);
	if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0)) {
		fputs("(none)", stdout);
	} else if (json_is_string(v)) {
		fwrite(json_string_value(v), 1, json_string_length(v), stdout);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach (v, i, item) {
			if (i > 0)
				fputs(", ", stdout);
			if (json_is_string(item))
				fputs(json_string_value(item), stdout);
			else
				print_value(item, "", 0);
		}
	} else {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		fputs(text ? text : "?", stdout);
		free(text);
	}
	if (use_color)
		fputs(RESET, stdout);
}

static void print_words(const json_t *words, int color)
{
	size_t i;
	json_t *h;

	json_array_foreach (words, i, h) {
		const char *op = json_string_value(json_object_get(h, "op"));
		const json_t *text = json_object_get(h, "text");
		int del = strcmp(op, "delete") == 0, ins = strcmp(op, "insert") == 0;
		if (del)
			fputs(color ? RED : "[-", stdout);
		else if (ins)
			fputs(color ? GREEN : "{+", stdout);
		fwrite(json_string_value(text), 1, json_string_length(text), stdout);
		if (del)
			fputs(color ? RESET : "-]", stdout);
		else if (ins)
			fputs(color ? RESET : "+}", stdout);
	}
}

/* A new reference: the amount v with digit separators ("6,400,000"), or v itself. */
static json_t *amount_shown(const json_t *v)
{
	char shown[2 * CT_AMOUNT_MAX];

	if (!json_is_string(v) ||
		ct_amount_format(shown, sizeof(shown), json_string_value(v)) < 0) {
		ct_error_clear();
		return json_incref((json_t *)v);
	}
	return json_string(shown);
}

/* Writes at most n bytes of s[0..len) from its start (or its end), not cutting a UTF-8
 * character, on one line. */
static void print_context(const char *s, size_t len, size_t n, int from_end)
{
	size_t start = 0, end = len, i;

	if (len > n) {
		if (from_end) {
			start = len - n;
			while (start < len && ((unsigned char)s[start] & 0xc0) == 0x80)
				start++;
		} else {
			end = n;
			while (end > 0 && ((unsigned char)s[end] & 0xc0) == 0x80)
				end--;
		}
	}
	if (from_end && start > 0)
		fputs("...", stdout);
	for (i = start; i < end; i++)
		putchar(s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
	if (!from_end && end < len)
		fputs("...", stdout);
}

/* A source text's word diff: each change with up to 60 bytes of the text around it. */
static void print_text_words(const json_t *words, int color, const char *indent)
{
	size_t i, n = json_array_size(words);
	json_t *h;

	json_array_foreach (words, i, h) {
		const char *op = json_string_value(json_object_get(h, "op"));
		const json_t *text = json_object_get(h, "text");
		const char *t = json_string_value(text);
		size_t len = json_string_length(text);
		int del = strcmp(op, "delete") == 0, ins = strcmp(op, "insert") == 0;
		if (!del && !ins) {
			if (i > 0 && i + 1 < n && len <= 120) {
				print_context(t, len, len, 0); /* between two changes: all of it */
				continue;
			}
			if (i > 0)
				print_context(t, len, 60, 0);
			if (i + 1 < n) {
				printf("\n%s", indent);
				print_context(t, len, 60, 1);
			}
			continue;
		}
		if (i == 0)
			printf("\n%s", indent);
		fputs(del ? (color ? RED : "[-") : (color ? GREEN : "{+"), stdout);
		print_context(t, len, len, 0);
		fputs(del ? (color ? RESET : "-]") : (color ? RESET : "+}"), stdout);
	}
	printf("\n");
}

/* A diff's flags (a hedge removed) and a source's text change. */
static void print_flags(const json_t *diff, int color, const char *indent)
{
	const json_t *text = json_object_get(diff, "text");
	size_t i;
	json_t *f;

	json_array_foreach (json_object_get(diff, "flags"), i, f)
		printf("%s%sflag: %s%s\n", indent, color ? RED : "", json_string_value(f),
			color ? RESET : "");
	if (json_object_get(text, "words")) {
		printf("%stext:", indent);
		print_text_words(json_object_get(text, "words"), color, indent);
	} else if (text) {
		printf("%stext: kept only at the %s revision\n", indent,
			strcmp(json_string_value(json_object_get(text, "kept")), "a") == 0
				? "older"
				: "newer");
	}
}

static void print_changes(const json_t *diff, int color, const char *indent)
{
	const json_t *changes = json_object_get(diff, "changes");
	size_t i;
	json_t *c;

	print_flags(diff, color, indent);
	if (json_array_size(changes) == 0) {
		printf("%s(no field changed)\n", indent);
		return;
	}
	json_array_foreach (changes, i, c) {
		const json_t *words = json_object_get(c, "words");
		printf("%s%s: ", indent, json_string_value(json_object_get(c, "field")));
		if (words) {
			print_words(words, color);
		} else if (strcmp(json_string_value(json_object_get(c, "field")),
				   "quantity.amount") == 0) {
			/* amounts with digit separators, as show prints them */
			json_t *old = amount_shown(json_object_get(c, "old"));
			json_t *new = amount_shown(json_object_get(c, "new"));
			print_value(old, RED, color);
			fputs(" -> ", stdout);
			print_value(new, GREEN, color);
			json_decref(old);
			json_decref(new);
		} else {
			print_value(json_object_get(c, "old"), RED, color);
			fputs(" -> ", stdout);
			print_value(json_object_get(c, "new"), GREEN, color);
		}
		fputs("\n", stdout);
	}
}

static void print_side(
	ct_store *store, const char *mark, const json_t *side, const json_t *record_signers)
{
	const char *reason = json_string_value(json_object_get(side, "reason"));
	json_int_t rev = json_integer_value(json_object_get(side, "revision"));
	const json_t *ver = json_object_get(side, "verification");
	ct_buf signers = CT_BUF_INIT;

	if (json_is_true(json_object_get(ver, "verified")))
		cli_signers(&signers, store, record_signers);
	else
		ct_buf_printf(&signers, "NOT VERIFIED: %s",
			json_string_value(json_object_get(ver, "reason")));
	printf("%s revision %lld  %.19s  %s  %s%s%s\n", mark, (long long)rev,
		json_string_value(json_object_get(side, "digest")),
		json_string_value(json_object_get(side, "created")),
		json_is_true(json_object_get(ver, "verified")) ? "signed by " : "",
		signers.ptr ? signers.ptr : "nobody",
		json_is_true(json_object_get(side, "retracted")) ? "  RETRACTED" : "");
	printf("    reason: %s\n", reason ? reason : rev == 1 ? "(first revision)" : "(none)");
	ct_buf_free(&signers);
}

/* cli_signers wants a record: a stand-in holding just the side's signatures. */
static json_t *signature_holder(const json_t *side)
{
	json_t *sigs = json_array(), *kid;
	size_t i;

	json_array_foreach (json_object_get(side, "signers"), i, kid)
		json_array_append_new(sigs, json_pack("{s:O}", "key_id", kid));
	return json_pack("{s:o}", "signatures", sigs);
}

/* Adds "verification" (cli_verification_json) to both sides of a revision diff: each side is
 * the store's revision of that number. */
static int add_verification(json_t *diff, ct_store *store, ct_kind kind, const char *id)
{
	const char *sides[2] = {"a", "b"};
	int k, error = 0;

	for (k = 0; k < 2 && error == 0; k++) {
		json_t *side = json_object_get(diff, sides[k]);
		json_t *rec = NULL;
		ct_verification v;
		if ((error = ct_store_get(&rec, store, kind, id,
			     json_integer_value(json_object_get(side, "revision")))) == 0 &&
			(error = ct_store_verify_record(&v, store, rec)) == 0)
			json_object_set_new(side, "verification", cli_verification_json(&v));
		json_decref(rec);
	}
	return error;
}

/* The annotations that judge either side of a claim diff, marked "a" or "b": a verdict on the
 * old text is not a verdict on the new one (docs/workflow.md). */
static int add_annotations(json_t *diff, ct_store *store, const char *id)
{
	const char *da = json_string_value(json_object_get(json_object_get(diff, "a"), "digest"));
	const char *db = json_string_value(json_object_get(json_object_get(diff, "b"), "digest"));
	json_t *all = NULL, *list = json_array(), *an;
	size_t i;
	int error;

	if ((error = ct_store_annotations(&all, store, id)) < 0) {
		json_decref(list);
		return error;
	}
	json_array_foreach (all, i, an) {
		const char *judged = json_string_value(json_object_get(an, "claim_revision"));
		const char *side = judged && db && strcmp(judged, db) == 0 ? "b"
			: judged && da && strcmp(judged, da) == 0	   ? "a"
									   : NULL;
		json_t *entry;
		if (!side)
			continue;
		entry = json_pack("{s:s, s:s, s:s, s:s}", "id", ct_record_id(an), "kind",
			json_string_value(json_object_get(an, "kind")), "judges", side, "created",
			json_string_value(json_object_get(an, "created")));
		if (json_object_get(an, "verdict"))
			json_object_set(entry, "verdict", json_object_get(an, "verdict"));
		if (json_object_get(an, "note"))
			json_object_set(entry, "note", json_object_get(an, "note"));
		json_array_append_new(list, entry);
	}
	json_decref(all);
	return json_object_set_new(diff, "annotations", list) < 0
		? ct_error_set(CT_ENOMEM, "out of memory")
		: 0;
}

static void print_annotations(const json_t *diff)
{
	const json_t *list = json_object_get(diff, "annotations");
	json_t *an;
	size_t i;

	if (!json_array_size(list))
		return;
	printf("\nannotations:\n");
	json_array_foreach (list, i, an) {
		const char *side = json_string_value(json_object_get(an, "judges"));
		printf("%s %s %s %s", side[0] == 'a' ? "---" : "+++",
			json_string_value(json_object_get(an, "created")), ct_record_id(an),
			json_string_value(json_object_get(an, "kind")));
		if (json_object_get(an, "verdict"))
			printf(" \"%s\"", json_string_value(json_object_get(an, "verdict")));
		if (json_object_get(an, "note"))
			printf(" - %s", json_string_value(json_object_get(an, "note")));
		printf("  (judges revision %lld)\n",
			(long long)json_integer_value(
				json_object_get(json_object_get(diff, side), "revision")));
	}
}

static void print_revision_diff(ct_store *store, const json_t *diff, int color)
{
	const json_t *a = json_object_get(diff, "a"), *b = json_object_get(diff, "b");
	json_t *ha = signature_holder(a), *hb = signature_holder(b);

	printf("%sdiff %s %s revision %lld -> %lld%s\n", color ? BOLD : "",
		json_string_value(json_object_get(diff, "type")),
		json_string_value(json_object_get(diff, "id")),
		(long long)json_integer_value(json_object_get(a, "revision")),
		(long long)json_integer_value(json_object_get(b, "revision")), color ? RESET : "");
	print_side(store, "---", a, ha);
	print_side(store, "+++", b, hb);
	printf("\n");
	print_changes(diff, color, "");
	print_annotations(diff);
	json_decref(ha);
	json_decref(hb);
}

int cli_log_patch(
	ct_store *store, ct_kind kind, const char *id, json_int_t revision, json_t *json_entry)
{
	char ra[24], rb[24];
	json_t *diff = NULL;
	int error;

	if (revision < 2)
		return 0;
	snprintf(ra, sizeof(ra), "%lld", (long long)revision - 1);
	snprintf(rb, sizeof(rb), "%lld", (long long)revision);
	if ((error = ct_store_diff_revisions(&diff, store, kind, id, ra, rb)) < 0)
		return error;
	if (json_entry) {
		if (json_object_set_new(json_entry, "diff", diff) < 0)
			return ct_error_set(CT_ENOMEM, "out of memory");
		return 0;
	}
	printf("  changes since revision %lld:\n", (long long)revision - 1);
	print_changes(diff, cli_color_auto(), "    ");
	json_decref(diff);
	return 0;
}

/* Ends a store change's line: "  NOT VERIFIED: <why>" when the record at B does not verify. */
static void end_store_line(const json_t *e)
{
	if (json_is_false(json_object_get(e, "verified")))
		printf("  NOT VERIFIED: %s", json_string_value(json_object_get(e, "unverified")));
	printf("\n");
}

/* One line per store change (grammar: docs/diff.md). */
static void print_store_entry(const json_t *e)
{
	const char *kind = json_string_value(json_object_get(e, "kind"));
	const char *id = json_string_value(json_object_get(e, "id"));
	const char *action = json_string_value(json_object_get(e, "action"));
	const char *claim = json_string_value(json_object_get(e, "claim"));
	const json_t *signers = json_object_get(e, "signers");
	json_int_t rev = json_integer_value(json_object_get(e, "revision"));

	if (strcmp(kind, "annotation") == 0) {
		if (strcmp(action, "annotated") == 0) {
			const char *verdict = json_string_value(json_object_get(e, "verdict"));
			printf("claim %s annotated: %s", claim,
				json_string_value(json_object_get(e, "annotation")));
			if (verdict)
				printf(" \"%s\"", verdict);
		} else if (strcmp(action, "disputed") == 0) {
			printf("claim %s disputed by %s: %s", claim,
				json_string_value(json_object_get(e, "by")),
				json_string_value(json_object_get(e, "reason")));
		} else if (strcmp(action, "resolved") == 0) {
			printf("claim %s resolved: dispute %s %s", claim,
				json_string_value(json_object_get(e, "resolves")),
				json_string_value(json_object_get(e, "outcome")));
		} else if (strcmp(action, "signed") == 0) {
			printf("claim %s annotation signed by ", claim);
			print_value(signers, "", 0);
		} else {
			printf("claim %s annotation %s", claim, action);
		}
		printf(" (annotation %s)", id);
		end_store_line(e);
		return;
	}
	if (strcmp(kind, "claim") == 0 || strcmp(kind, "source") == 0) {
		if (strcmp(action, "added") == 0) {
			if (rev > 1)
				printf("%s %s added (r1 -> r%lld)%s", kind, id, (long long)rev,
					json_is_true(json_object_get(e, "retracted"))
						? ", retracted"
						: "");
			else
				printf("%s %s added (r1)", kind, id);
		} else if (strcmp(action, "revised") == 0 || strcmp(action, "retracted") == 0) {
			printf("%s %s %s (r%lld -> r%lld)", kind, id, action,
				(long long)json_integer_value(json_object_get(e, "from")),
				(long long)json_integer_value(json_object_get(e, "to")));
		} else if (strcmp(action, "signed") == 0) {
			printf("%s %s r%lld signed by ", kind, id, (long long)rev);
			print_value(signers, "", 0);
		} else {
			printf("%s %s r%lld %s", kind, id, (long long)rev, action);
		}
		end_store_line(e);
		return;
	}
	if (strcmp(kind, "key") == 0) {
		const char *name = json_string_value(json_object_get(e, "name"));
		printf("key %s %s%s%s%s\n", id, action, name ? " (" : "", name ? name : "",
			name ? ")" : "");
		return;
	}
	if (strcmp(kind, "store") == 0) {
		printf("store configuration %s\n", action);
		return;
	}
	printf("file %s %s\n", id, action);
}

static int store_diff(ct_store *store, const char *from, const char *to, int json)
{
	json_t *diff = NULL, *e;
	ct_buf summary = CT_BUF_INIT;
	size_t i;
	int error;

	if ((error = ct_store_diff(&diff, store, from, to)) < 0)
		goto done;
	if (json) {
		error = cli_print_json(diff) == CT_EXIT_OK ? 0 : CT_ENOMEM;
		goto done;
	}
	json_array_foreach (json_object_get(diff, "changes"), i, e)
		print_store_entry(e);
	if ((error = ct_store_diff_summary(&summary, diff)) < 0)
		goto done;
	printf("%s\n", summary.ptr);
done:
	ct_buf_free(&summary);
	json_decref(diff);
	return error;
}

/* The kind of record id names: a claim, else a source; costs no record reads. */
typedef struct {
	int json;
	json_t *changes;
	size_t added, removed, changed;
} bundle_diff_state;

static int bundle_change(const ct_bundle_change *c, void *payload)
{
	bundle_diff_state *s = payload;

	if (strcmp(c->change, "added") == 0)
		s->added++;
	else if (strcmp(c->change, "removed") == 0)
		s->removed++;
	else
		s->changed++;
	if (s->json)
		json_array_append_new(s->changes,
			json_pack("{s:s, s:s, s:s}", "change", c->change, "kind", c->kind, "record",
				c->record));
	else
		printf("%s %s %s\n", c->kind, c->record, c->change);
	return 0;
}

static json_t *info_json(const ct_bundle_info *i)
{
	return json_pack("{s:s, s:s, s:I, s:s}", "creator", i->creator, "created", i->created,
		"records", (json_int_t)i->records, "merkle_root", i->root);
}

/* diff BUNDLE-A BUNDLE-B: what the second bundle adds, drops and changes. */
static int bundle_diff(const char *a, const char *b, int json)
{
	bundle_diff_state s = {json, json_array(), 0, 0, 0};
	ct_bundle_info ia, ib;
	int error;

	if ((error = ct_bundle_info_read(&ia, a)) < 0 || (error = ct_bundle_info_read(&ib, b)) < 0)
		goto done;
	if (!json) {
		printf("--- %s  %llu record%s, %s by %s, merkle root %.16s\n", a,
			(unsigned long long)ia.records, cli_s(ia.records), ia.created, ia.creator,
			ia.root);
		printf("+++ %s  %llu record%s, %s by %s, merkle root %.16s\n", b,
			(unsigned long long)ib.records, cli_s(ib.records), ib.created, ib.creator,
			ib.root);
	}
	if ((error = ct_bundle_diff(a, b, bundle_change, &s)) < 0)
		goto done;
	if (json) {
		json_t *out = json_pack("{s:o, s:o, s:O, s:{s:I, s:I, s:I}}", "a", info_json(&ia),
			"b", info_json(&ib), "changes", s.changes, "counts", "added",
			(json_int_t)s.added, "removed", (json_int_t)s.removed, "changed",
			(json_int_t)s.changed);
		cli_print_json(out);
		json_decref(out);
	} else if (s.added + s.removed + s.changed == 0) {
		printf("no changes\n");
	} else {
		printf("%zu added, %zu removed, %zu changed (not verified: see 'claimtrail verify')\n",
			s.added, s.removed, s.changed);
	}
done:
	json_decref(s.changes);
	return error;
}

typedef struct {
	int json;
	int by_store;
	int color; /* 1 always, 0 never, -1 auto */
} diff_args;

/* --color[=WHEN], --colour[=WHEN]: always (also with no WHEN), never or auto. */
static int set_color(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	diff_args *a = args;

	(void)opt;
	if (!value || strcmp(value, "always") == 0)
		a->color = 1;
	else if (strcmp(value, "never") == 0)
		a->color = 0;
	else if (strcmp(value, "auto") == 0)
		a->color = -1;
	else
		return cli_cmd_usage(cmd, "--color takes always, never or auto, not '%s'", value);
	return 0;
}

static const cli_opt diff_opts[] = {
	CLI_OPT_JSON("print the diff as JSON", diff_args, json),
	CLI_FLAG("store", 0, "what changed in the store between git revisions A and B", diff_args,
		by_store),
	CLI_FN("color", 0, CLI_OPTIONAL, "WHEN", "always (the default WHEN), never or auto",
		set_color),
	CLI_FN("colour", 0, CLI_OPTIONAL, "WHEN", NULL, set_color),
	CLI_END,
};

static const cli_cmd diff_cmd = {"diff", diff_usage, diff_opts};

int cmd_diff(ct_cli *cli, int argc, char **argv)
{
	diff_args a = {0, 0, -1};
	ct_store *store = NULL;
	json_t *diff = NULL;
	ct_kind kind;
	ct_buf id_buf = CT_BUF_INIT;
	const char *id;
	int json, color, nargs, status, error = 0;

	if ((status = cli_parse(&diff_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	json = a.json;
	color = a.color;
	nargs = argc - optind;
	if (a.by_store && nargs != 2) {
		status = cli_cmd_usage(&diff_cmd, "--store: expected two git revisions A and B");
		goto out;
	}
	if (!a.by_store && (nargs < 1 || nargs > 3)) {
		status = cli_cmd_usage(&diff_cmd, "expected ID [REV-A [REV-B]], or --store A B");
		goto out;
	}
	if (color < 0)
		color = cli_color_auto();
	if (!a.by_store && nargs == 2 && ct_bundle_sniff(argv[optind]) == 1 &&
		ct_bundle_sniff(argv[optind + 1]) == 1) {
		error = bundle_diff(argv[optind], argv[optind + 1], json);
		goto done;
	}
	if ((error = cli_open_store(&store, cli)) < 0)
		goto done;
	if (a.by_store) {
		error = store_diff(store, argv[optind], argv[optind + 1], json);
		goto done;
	}
	id = argv[optind];
	if ((error = cli_resolve_claim_or_source(&kind, &id, &id_buf, store)) < 0 ||
		(error = ct_store_diff_revisions(&diff, store, kind, id,
			 nargs > 1 ? argv[optind + 1] : NULL,
			 nargs > 2 ? argv[optind + 2] : NULL)) < 0 ||
		(error = add_verification(diff, store, kind, id)) < 0 ||
		(kind == CT_KIND_CLAIM && (error = add_annotations(diff, store, id)) < 0))
		goto done;
	if (json)
		cli_print_json(diff);
	else
		print_revision_diff(store, diff, color);
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&id_buf);
	json_decref(diff);
	ct_store_free(store);
	return status;
}
