/*
 * Freshness for readers (docs/bundle.md, "Freshness"): a state file that remembers, for each
 * signer, the newest bundle trailer it verified (the trailer is a signed checkpoint of the
 * bundle: its time, Merkle root and count), so that an older bundle replayed later (TUF's
 * rollback attack) or a signer's feed stuck at an old bundle (TUF's freeze attack) is refused
 * with the reason. The caller verifies the bundle first; this only compares and remembers.
 */
#include "bundle_internal.h"
#include "error.h"
#include "runtime.h"
#include "util.h"
#include "claimtrail/bundle.h"
#include "claimtrail/json.h"
#include "claimtrail/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATE_FORMAT "claimtrail-verify-state"
#define STATE_MAX (16 * 1024 * 1024)

static time_t seconds_of(const char *ts)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* Reads the state file: an empty state when there is none yet. */
static int state_read(json_t **out, const char *path)
{
	ct_buf data = CT_BUF_INIT;
	json_t *st = NULL;
	const char *signer;
	json_t *e;
	int error;

	*out = NULL;
	error = ct_file_read(&data, path, STATE_MAX);
	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		*out = json_pack(
			"{s:s, s:i, s:{}}", "format", STATE_FORMAT, "version", 1, "signers");
		error = *out ? 0 : ct__oom();
		goto done;
	}
	if (error < 0)
		goto done;
	if (ct_json_parse(&st, (const uint8_t *)data.ptr, data.len, CT_JSON_RECORD) < 0 ||
		!json_is_object(st) || !json_is_string(json_object_get(st, "format")) ||
		strcmp(json_string_value(json_object_get(st, "format")), STATE_FORMAT) != 0 ||
		json_integer_value(json_object_get(st, "version")) != 1 ||
		!json_is_object(json_object_get(st, "signers"))) {
		error = ct_error_set(CT_EINVALID,
			"state %s: not a claimtrail verify state file (format %s, version 1)", path,
			STATE_FORMAT);
		goto done;
	}
	json_object_foreach (json_object_get(st, "signers"), signer, e) {
		const char *created = json_string_value(json_object_get(e, "created"));
		if (!created || ct_timestamp_validate(created, "created") < 0 ||
			!json_is_string(json_object_get(e, "merkle_root"))) {
			ct_error_clear();
			error = ct_error_set(CT_EINVALID,
				"state %s: the entry of signer %.16s is damaged", path, signer);
			goto done;
		}
	}
	*out = st;
	st = NULL;
done:
	json_decref(st);
	ct_buf_free(&data);
	return error;
}

int ct_bundle_state_check(const char *state_path, const ct_bundle_info *info, long long max_age)
{
	json_t *st = NULL, *entry = NULL;
	const json_t *seen;
	const char *seen_created, *seen_root;
	char *text = NULL;
	time_t made, now = ct__now();
	int error;

	if ((error = state_read(&st, state_path)) < 0)
		goto done;
	seen = json_object_get(json_object_get(st, "signers"), info->creator);
	seen_created = json_string_value(json_object_get(seen, "created"));
	seen_root = json_string_value(json_object_get(seen, "merkle_root"));
	if (seen_created && strcmp(info->created, seen_created) < 0) {
		error = ct_error_set(CT_EUNTRUSTED,
			"rollback: this bundle by key %s was made at %s, before the one made at %s "
			"that %s has already seen (an older bundle replayed?)",
			info->creator, info->created, seen_created, state_path);
		goto done;
	}
	if (seen_created && strcmp(info->created, seen_created) == 0 &&
		strcmp(seen_root, info->root) != 0) {
		error = ct_error_set(CT_EUNTRUSTED,
			"rollback: this bundle by key %s was made at %s like the one %s has already "
			"seen, with other contents (Merkle root %.16s..., not %.16s...)",
			info->creator, info->created, state_path, info->root, seen_root);
		goto done;
	}
	made = seconds_of(info->created);
	if (max_age > 0 && now - made > max_age) {
		error = ct_error_set(CT_EUNTRUSTED,
			"freeze: the newest bundle by key %s was made at %s, more than %lld seconds "
			"ago (--max-age); a signer that has stopped publishing, or a feed held back?",
			info->creator, info->created, max_age);
		goto done;
	}
	if (!(entry = json_pack("{s:s, s:s, s:I}", "created", info->created, "merkle_root",
		      info->root, "records", (json_int_t)info->records)) ||
		json_object_set_new(json_object_get(st, "signers"), info->creator, entry) < 0) {
		error = ct__oom();
		goto done;
	}
	if (!(text = json_dumps(st, JSON_INDENT(2) | JSON_SORT_KEYS))) {
		error = ct__oom();
		goto done;
	}
	error = ct_file_write_atomic(state_path, text, strlen(text), 0644);
done:
	free(text);
	json_decref(st);
	return error;
}

/*
 * The newest checkpoint per signer that the bundle at path carries and that vouches (docs/
 * bundle.md 1.5: a trusted key signed it that is live, neither revoked nor expired by trust or
 * by the bundle's key records, a revocation by another key counting only where trust grants
 * that key the right): *out is {KEY-ID: {"created", "merkle_root", "records", "id"}}, empty when none.
 * The whole file is read again and its Merkle root must be the verified one (info->root).
 */
static int newest_checkpoints(
	json_t **out, const char *path, const ct_bundle_info *info, const ct_keyring *trust)
{
	ct__line_reader r;
	ct__envelope env;
	ct_buf body = CT_BUF_INIT;
	ct_merkle tree;
	json_t *rec = NULL, *carried = NULL;
	uint8_t root[CT_HASH_LEN];
	char hex[2 * CT_HASH_LEN + 1], now[CT_TIMESTAMP_LEN + 1];
	int opened = 0, trailer = 0;
	int error;

	ct_timestamp_now(now);
	ct_merkle_init(&tree);
	if (!(*out = json_object()) || !(carried = json_object())) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct__bundle_open(&r, path)) < 0)
		goto done;
	opened = 1;
	while ((error = ct__line_read(&r)) == 1) {
		uint8_t leaf[CT_HASH_LEN];
		ct_verify_report report;
		size_t i;
		int parsed = !r.toolong && ct__envelope_parse(&env, r.line.ptr, r.line.len) == 0;
		if (parsed && ct__envelope_type_is(&env, CT_BUNDLE_PAYLOAD_TYPE)) {
			trailer = 1;
			break;
		}
		ct__line_leaf(leaf, &r);
		ct_merkle_add(&tree, leaf);
		if (!parsed ||
			(!ct__envelope_type_is(&env, ct_kind_payload_type(CT_KIND_KEY)) &&
				!ct__envelope_type_is(
					&env, ct_kind_payload_type(CT_KIND_CHECKPOINT))))
			continue;
		json_decref(rec);
		rec = NULL;
		if (ct__bundle_record_decode(&rec, &body, &env, r.line.ptr, r.line.len) < 0) {
			ct_error_clear();
			continue;
		}
		if (ct__envelope_type_is(&env, ct_kind_payload_type(CT_KIND_KEY))) {
			/* what the key line says of the key: a revocation only as the trust list
			 * grants it (ct_key_revocation_verify, as everywhere), and its expires */
			const json_t *rv = json_object_get(rec, "revoked");
			json_t *k;
			if (rv && ct_key_revocation_verify(rec, trust) < 0) {
				ct_error_clear();
				rv = NULL;
			}
			if (!(k = json_pack("{s:b, s:O?, s:O?}", "revoked", rv != NULL,
				      "compromised_since", json_object_get(rv, "compromised_since"),
				      "expires", json_object_get(rec, "expires"))) ||
				json_object_set_new(carried, ct_record_id(rec), k) < 0) {
				error = ct__oom();
				goto done;
			}
			continue;
		}
		if (ct_record_verify(&report, rec, trust, 1) < 0) {
			ct_error_clear();
			continue;
		}
		for (i = 0; i < report.trusted && i < CT_VERIFY_SIGNERS_MAX; i++) {
			const char *who = report.signers[i];
			const char *created = json_string_value(json_object_get(rec, "created"));
			const json_t *have = json_object_get(*out, who);
			const json_t *k = json_object_get(carried, who);
			char until[CT_TIMESTAMP_LEN + 1];
			json_t *e;
			/* a vouching checkpoint's signer is live (docs/bundle.md 1.5) */
			if (ct__bundle_signer_state(trust, who,
				    json_is_true(json_object_get(k, "revoked")),
				    json_string_value(json_object_get(k, "compromised_since")),
				    json_string_value(json_object_get(k, "expires")), now,
				    until) != CT_KEY_LIVE)
				continue;
			if (have &&
				strcmp(json_string_value(json_object_get(have, "created")),
					created) >= 0)
				continue;
			if (!(e = json_pack("{s:s, s:O, s:O, s:s}", "created", created,
				      "merkle_root", json_object_get(rec, "root"), "records",
				      json_object_get(rec, "records"), "id", ct_record_id(rec))) ||
				json_object_set_new(*out, who, e) < 0) {
				error = ct__oom();
				goto done;
			}
		}
	}
	if (error < 0)
		goto done;
	error = 0;
	ct_merkle_root(&tree, root);
	ct_hex(hex, root, CT_HASH_LEN);
	if (!trailer || strcmp(hex, info->root) != 0)
		error = ct_error_set(CT_EBADSIG, "%s changed after it was verified", path);
done:
	if (opened)
		ct__line_reader_close(&r);
	if (error < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(rec);
	json_decref(carried);
	ct_buf_free(&body);
	return error;
}

int ct_bundle_state_check_checkpoints(const char *state_path, const char *path,
	const ct_bundle_info *info, const ct_keyring *trust, long long max_age)
{
	json_t *st = NULL, *newest = NULL, *seen_all, *e;
	const char *who;
	char *text = NULL;
	time_t now = ct__now();
	int error;

	if ((error = newest_checkpoints(&newest, path, info, trust)) < 0)
		goto done;
	if (json_object_size(newest) == 0) { /* no checkpoint that vouches: the trailer */
		error = ct_bundle_state_check(state_path, info, max_age);
		goto done;
	}
	if ((error = state_read(&st, state_path)) < 0)
		goto done;
	seen_all = json_object_get(st, "checkpoints");
	if (seen_all && !json_is_object(seen_all)) {
		error = ct_error_set(CT_EINVALID,
			"state %s: not a claimtrail verify state file (format %s, version 1)",
			state_path, STATE_FORMAT);
		goto done;
	}
	json_object_foreach (newest, who, e) {
		const json_t *seen = json_object_get(seen_all, who);
		const char *created = json_string_value(json_object_get(e, "created"));
		const char *root = json_string_value(json_object_get(e, "merkle_root"));
		const char *seen_created = json_string_value(json_object_get(seen, "created"));
		const char *seen_root = json_string_value(json_object_get(seen, "merkle_root"));
		if (seen && (!seen_created || !seen_root)) {
			error = ct_error_set(CT_EINVALID,
				"state %s: the checkpoint entry of signer %.16s is damaged",
				state_path, who);
			goto done;
		}
		if (seen_created && strcmp(created, seen_created) < 0) {
			error = ct_error_set(CT_EUNTRUSTED,
				"rollback: the newest checkpoint by key %s in this bundle was made at "
				"%s, before the one made at %s that %s has already seen (an older "
				"bundle replayed?)",
				who, created, seen_created, state_path);
			goto done;
		}
		if (seen_created && strcmp(created, seen_created) == 0 &&
			strcmp(root, seen_root) != 0) {
			error = ct_error_set(CT_EUNTRUSTED,
				"rollback: the newest checkpoint by key %s in this bundle was made at "
				"%s like the one %s has already seen, with another Merkle root",
				who, created, state_path);
			goto done;
		}
		if (max_age > 0 && now - seconds_of(created) > max_age) {
			error = ct_error_set(CT_EUNTRUSTED,
				"freeze: the newest checkpoint by key %s was made at %s, more than "
				"%lld seconds ago (--max-age); a signer that has stopped "
				"checkpointing, or a feed held back?",
				who, created, max_age);
			goto done;
		}
	}
	if (!seen_all) {
		if (!(seen_all = json_object()) ||
			json_object_set_new(st, "checkpoints", seen_all) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	if (json_object_update(seen_all, newest) < 0 ||
		!(text = json_dumps(st, JSON_INDENT(2) | JSON_SORT_KEYS))) {
		error = ct__oom();
		goto done;
	}
	error = ct_file_write_atomic(state_path, text, strlen(text), 0644);
done:
	free(text);
	json_decref(st);
	json_decref(newest);
	return error;
}

int ct_bundle_add_successors(ct_keyring *trust, const char *path, size_t *added)
{
	ct__line_reader r;
	ct__envelope env;
	ct_keyring *carried = NULL;
	ct_buf body = CT_BUF_INIT;
	json_t *rec = NULL;
	int opened = 0;
	int error;

	if (added)
		*added = 0;
	if ((error = ct_keyring_new(&carried)) < 0)
		return error;
	if ((error = ct__bundle_open(&r, path)) < 0)
		goto done;
	opened = 1;
	/* key lines come first (bundle order): read them, and stop at the first other line */
	while ((error = ct__line_read(&r)) == 1) {
		if (r.toolong || ct__envelope_parse(&env, r.line.ptr, r.line.len) < 0 ||
			!ct__envelope_type_is(&env, ct_kind_payload_type(CT_KIND_KEY)))
			break;
		json_decref(rec);
		rec = NULL;
		/* a key line that does not check is verification's to report: left out here */
		if (ct__bundle_record_decode(&rec, &body, &env, r.line.ptr, r.line.len) < 0 ||
			ct_keyring_add(carried, rec) < 0)
			ct_error_clear();
	}
	ct_error_clear();
	error = ct_keyring_add_successors(trust, carried, added);
done:
	if (opened)
		ct__line_reader_close(&r);
	json_decref(rec);
	ct_buf_free(&body);
	ct_keyring_free(carried);
	return error;
}
