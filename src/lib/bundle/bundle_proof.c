/*
 * Inclusion proofs (docs/bundle.md): proving that one record line is in a bundle (a Merkle path
 * to the root its signed trailer names), and verifying such a proof.
 */
#include "bundle_internal.h"
#include "hex.h"
#include "claimtrail/json.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROOF_MAX (4u * CT_BUNDLE_LINE_MAX)

int ct_bundle_prove(const char *path, const char *id, const char *out_path)
{
	ct__line_reader r;
	ct__envelope env;
	ct_bundle_info info;
	ct_buf body = CT_BUF_INIT, record = CT_BUF_INIT, out = CT_BUF_INIT;
	uint8_t(*leaves)[CT_HASH_LEN] = NULL;
	uint8_t path_hashes[CT_MERKLE_MAX_PATH][CT_HASH_LEN], root[CT_HASH_LEN];
	char hex[2 * CT_HASH_LEN + 1];
	size_t n = 0, cap = 0, index = 0, plen = 0, i;
	int found = 0, trailer = 0, env_ok;
	json_t *proof = NULL, *audit = NULL;
	int error;

	if ((error = ct_id_validate(id, "claim")) < 0 || (error = ct__bundle_open(&r, path)) < 0)
		return error;
	while ((error = ct__line_read(&r)) > 0) {
		if (r.toolong || r.unterminated) {
			error = ct_error_set(CT_EINVALID, "%s: line %llu: %s", path,
				(unsigned long long)r.lineno,
				r.toolong ? "too long" : "truncated (no newline)");
			goto done;
		}
		if (trailer) {
			error = ct_error_set(CT_EINVALID, "%s: line %llu: a line after the trailer",
				path, (unsigned long long)r.lineno);
			goto done;
		}
		env_ok = ct__envelope_parse(&env, r.line.ptr, r.line.len) == 0;
		if (env_ok && ct__envelope_type_is(&env, CT_BUNDLE_PAYLOAD_TYPE)) {
			if ((error = ct__trailer_parse(
				     &info, &body, &env, r.line.ptr, r.line.len)) < 0) {
				ct_error_prefix(
					error, "%s: line %llu", path, (unsigned long long)r.lineno);
				goto done;
			}
			trailer = 1;
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			uint8_t(*v)[CT_HASH_LEN] = realloc(leaves, ncap * CT_HASH_LEN);
			if (!v) {
				error = ct__oom();
				goto done;
			}
			leaves = v;
			cap = ncap;
		}
		ct_merkle_leaf_hash(leaves[n], (const uint8_t *)r.line.ptr, r.line.len);
		if (env_ok && ct__envelope_type_is(&env, ct_kind_payload_type(CT_KIND_CLAIM))) {
			json_t *rec = NULL;
			if (ct__bundle_record_decode(&rec, &body, &env, r.line.ptr, r.line.len) ==
					0 &&
				strcmp(ct_record_id(rec), id) == 0) {
				found = 1;
				index = n;
				ct_buf_clear(&record);
				if ((error = ct_buf_put(&record, r.line.ptr, r.line.len)) < 0) {
					json_decref(rec);
					goto done;
				}
			}
			json_decref(rec);
			ct_error_clear();
		}
		n++;
	}
	if (error < 0)
		goto done;
	if (!trailer) {
		error = ct_error_set(CT_EINVALID, "%s: truncated (no trailer)", path);
		goto done;
	}
	if (!found) {
		error = ct_error_set(CT_ENOTFOUND, "%s: no claim %s in the bundle", path, id);
		goto done;
	}
	ct_merkle_root_of(root, (const uint8_t(*)[CT_HASH_LEN])leaves, n);
	ct_hex(hex, root, CT_HASH_LEN);
	if (n != info.records || strcmp(hex, info.root) != 0) {
		error = ct_error_set(CT_EBADSIG,
			"%s: its records do not match its trailer's Merkle "
			"root: verify it first",
			path);
		goto done;
	}
	if ((error = ct_merkle_path(
		     path_hashes, &plen, (const uint8_t(*)[CT_HASH_LEN])leaves, n, index)) < 0)
		goto done;
	if (!(audit = json_array())) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; i < plen; i++) {
		char h[2 * CT_HASH_LEN + 1];
		ct_hex(h, path_hashes[i], CT_HASH_LEN);
		if (json_array_append_new(audit, json_string(h)) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	proof = json_pack("{s:s, s:i, s:I, s:I, s:s, s:O, s:s%}", "format",
		"claimtrail-inclusion-proof", "version", 1, "leaf_index", (json_int_t)index,
		"tree_size", (json_int_t)n, "root", hex, "audit_path", audit, "record", record.ptr,
		record.len);
	if (!proof || (error = ct_json_canon(&out, proof)) < 0 ||
		(error = ct_buf_putc(&out, '\n')) < 0) {
		if (!proof)
			error = ct__oom();
		goto done;
	}
	error = ct_file_write_atomic(out_path, out.ptr, out.len, 0644);
done:
	json_decref(proof);
	json_decref(audit);
	free(leaves);
	ct_buf_free(&body);
	ct_buf_free(&record);
	ct_buf_free(&out);
	ct__line_reader_close(&r);
	return error;
}

int ct__hash_from_hex(uint8_t out[CT_HASH_LEN], const char *hex)
{
	return ct__hex_decode(out, CT_HASH_LEN, hex);
}

int ct_bundle_proof_verify(ct_bundle_proof_info *info, const char *proof_path, const char *root_hex,
	const ct_keyring *trust, size_t threshold)
{
	ct_buf data = CT_BUF_INIT, body = CT_BUF_INIT;
	json_t *proof = NULL, *rec = NULL;
	ct__envelope env;
	uint8_t root[CT_HASH_LEN], leaf[CT_HASH_LEN];
	uint8_t path[CT_MERKLE_MAX_PATH][CT_HASH_LEN];
	const json_t *audit, *v, *h;
	const char *line;
	size_t i, plen;
	json_int_t index, size;
	int error;

	memset(info, 0, sizeof(*info));
	if (ct__hash_from_hex(root, root_hex) < 0)
		return ct_error_set(CT_EINVALID, "--root must be 64 lowercase hex digits");
	if ((error = ct_file_read(&data, proof_path, PROOF_MAX)) < 0)
		return error;
	if ((error = ct_json_parse(&proof, (const uint8_t *)data.ptr, data.len, CT_JSON_RECORD)) <
		0) {
		ct_error_prefix(error, "%s: not an inclusion proof", proof_path);
		goto done;
	}
	v = json_object_get(proof, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), "claimtrail-inclusion-proof") != 0) {
		error = ct_error_set(
			CT_EINVALID, "%s: not a claimtrail inclusion proof", proof_path);
		goto done;
	}
	if (json_integer_value(json_object_get(proof, "version")) != 1) {
		error = ct_error_set(
			CT_EINVALID, "%s: unsupported inclusion proof version", proof_path);
		goto done;
	}
	index = json_integer_value(v = json_object_get(proof, "leaf_index"));
	size = json_integer_value(h = json_object_get(proof, "tree_size"));
	audit = json_object_get(proof, "audit_path");
	line = json_string_value(json_object_get(proof, "record"));
	if (!json_is_integer(v) || !json_is_integer(h) || index < 0 || size < 1 ||
		!json_is_array(audit) || json_array_size(audit) > CT_MERKLE_MAX_PATH || !line) {
		error = ct_error_set(CT_EINVALID, "%s: malformed inclusion proof", proof_path);
		goto done;
	}
	plen = json_array_size(audit);
	json_array_foreach (audit, i, h) {
		if (ct__hash_from_hex(path[i], json_string_value(h)) < 0) {
			error = ct_error_set(CT_EINVALID, "%s: audit path entry %zu is not a hash",
				proof_path, i);
			goto done;
		}
	}
	if ((error = ct__bundle_record_decode(&rec, &body, &env, line,
		     json_string_length(json_object_get(proof, "record")))) < 0) {
		ct_error_prefix(error, "%s: the record", proof_path);
		goto done;
	}
	info->index = (uint64_t)index;
	info->size = (uint64_t)size;
	snprintf(info->kind, sizeof(info->kind), "%s",
		json_string_value(json_object_get(rec, "type")));
	snprintf(info->id, sizeof(info->id), "%s", ct_record_id(rec));
	info->revision = json_integer_value(json_object_get(rec, "revision"));
	ct_merkle_leaf_hash(
		leaf, (const uint8_t *)line, json_string_length(json_object_get(proof, "record")));
	if ((error = ct_merkle_verify_path(leaf, (uint64_t)index, (uint64_t)size,
		     (const uint8_t(*)[CT_HASH_LEN])path, plen, root)) < 0) {
		ct_error_prefix(error, "%s %s: not proven in the bundle with root %.16s...",
			info->kind, info->id, root_hex);
		goto done;
	}
	if (trust && (error = ct_record_verify(NULL, rec, trust, threshold)) < 0)
		goto done;
done:
	json_decref(proof);
	json_decref(rec);
	ct_buf_free(&data);
	ct_buf_free(&body);
	return error;
}
