/*
 * Reading a verified bundle without a store (claimtrail bundle show): verify it first, against
 * the reader's trust roots, then hand out its records. Both passes read one open regular file,
 * and the read pass proves it read the bytes that were verified, as the import pass does
 * (bundle_import.c): the Merkle root of the lines it read must be the verified root, its trailer
 * line the verified trailer line, and nothing may follow it. Nothing is handed out otherwise.
 */
#include "bundle_internal.h"
#include "sha256.h"

#include <string.h>

static int read_pass(json_t *out, FILE *f, const char *path, const ct_bundle_info *info,
	const uint8_t trailer_hash[CT_HASH_LEN])
{
	ct__line_reader r;
	ct__envelope env;
	ct_buf body = CT_BUF_INIT;
	uint8_t hash[CT_HASH_LEN], root[CT_HASH_LEN];
	char hex[2 * CT_HASH_LEN + 1];
	ct_merkle tree;
	int trailer = 0;
	int error;

	ct_merkle_init(&tree);
	if ((error = ct__bundle_open_file(&r, f, path)) < 0)
		return error;
	while ((error = ct__line_read(&r)) > 0) {
		int parsed = ct__envelope_parse(&env, r.line.ptr, r.line.len) == 0;
		json_t *rec = NULL;
		ct_kind kind;
		char name[CT_KIND_NAME_MAX + 2];
		uint8_t leaf[CT_HASH_LEN];

		if (parsed && ct__envelope_type_is(&env, CT_BUNDLE_PAYLOAD_TYPE)) {
			trailer = 1;
			break;
		}
		ct__line_leaf(leaf, &r);
		ct_merkle_add(&tree, leaf);
		if (parsed &&
			(ct__envelope_type_is(&env, CT_BUNDLE_TEXT_TYPE) ||
				ct__envelope_type_is(&env, CT_BUNDLE_PROOF_TYPE)))
			continue; /* a source text or checkpoint proofs: not a record */
		if ((error = ct__bundle_record_decode(&rec, &body, &env, r.line.ptr, r.line.len)) <
			0) {
			ct_error_prefix(error, "%s: line %llu", path, (unsigned long long)r.lineno);
			goto done;
		}
		if ((error = ct_record_kind(&kind, rec)) < 0) {
			json_decref(rec);
			goto done;
		}
		if (kind == CT_KIND_CHECKPOINT) { /* vouches in verification only */
			json_decref(rec);
			continue;
		}
		snprintf(name, sizeof(name), "%ss", ct_kind_name(kind));
		if (json_array_append_new(json_object_get(out, name), rec) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	if (error < 0)
		goto done;
	if (!trailer) {
		error = ct_error_set(
			CT_EBADSIG, "%s changed after it was verified (its trailer is gone)", path);
		goto done;
	}
	ct_merkle_root(&tree, root);
	ct_hex(hex, root, CT_HASH_LEN);
	ct__sha256(hash, r.line.ptr, r.line.len);
	if (strcmp(hex, info->root) != 0 || memcmp(hash, trailer_hash, CT_HASH_LEN) != 0) {
		error = ct_error_set(CT_EBADSIG, "%s changed after it was verified", path);
		goto done;
	}
	if ((error = ct__line_read(&r)) > 0)
		error = ct_error_set(CT_EBADSIG,
			"%s changed after it was verified (line %llu follows the trailer)", path,
			(unsigned long long)r.lineno);
done:
	ct_buf_free(&body);
	ct__line_reader_close(&r);
	return error;
}

int ct_bundle_read(json_t **out, ct_bundle_info *info, const char *path,
	const ct_bundle_verify_opts *opts, ct_bundle_report_fn fn, void *payload)
{
	ct_bundle_info local;
	uint8_t trailer_hash[CT_HASH_LEN];
	json_t *records = NULL;
	FILE *f = NULL;
	int error;

	*out = NULL;
	if (!info)
		info = &local;
	if (!opts || !opts->trust)
		return ct_error_set(
			CT_EINVALID, "reading a bundle needs the keys it is checked against");
	if ((error = ct__bundle_open_regular(&f, path)) < 0)
		return error;
	if ((error = ct__bundle_verify_file(info, f, path, opts, fn, payload, trailer_hash)) < 0)
		goto done;
	records = json_pack("{s:[], s:[], s:[], s:[]}", "keys", "sources", "claims", "annotations");
	if (!records) {
		error = ct__oom();
		goto done;
	}
	if ((error = read_pass(records, f, path, info, trailer_hash)) < 0)
		goto done;
	*out = records;
	records = NULL;
done:
	json_decref(records);
	fclose(f);
	return error;
}
