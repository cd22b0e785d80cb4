/*
 * Importing a bundle into a store: verify it first (against the importer's trust roots, never
 * the keys it carries), then add every record as one commit. Both passes read one open regular
 * file, and the import pass proves it read the bytes that were verified: the Merkle root of the
 * records it read must be the verified root, and its trailer line the verified trailer line
 * (which signs that root). A file changed, renamed over or fed through a FIFO between the passes
 * imports nothing. A record the store already holds
 * byte for byte is skipped; one that differs is a conflict; a revision whose predecessor is
 * neither in the store nor in the bundle would break the chain and is refused. Nothing is
 * written unless everything checks (the write is one transaction).
 */
#include "bundle_internal.h"
#include "keyring.h"
#include "sha256.h"
#include "record_internal.h"
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Records listed one by one in the commit's trailers up to this many; a count beyond. */
#define TRAILERS_MAX 200

typedef struct {
	const char *path;
	FILE *f;		     /* the one open bundle file, read by both passes */
	const uint8_t *trailer_hash; /* SHA-256 of the trailer line the verify pass checked */
	const ct_bundle_info *info;
	const ct_keyring *trust;    /* the importer's trust roots */
	const ct_write_opts *wopts; /* its progress function, if any */
	size_t written;
	size_t total;
	size_t untrusted_keys; /* key records left out: keys the importer does not trust */
} import_job;

/* The path a record is stored at. */
static int record_path(ct_buf *out, ct_store *store, const json_t *rec, ct_kind kind)
{
	if (kind == CT_KIND_ANNOTATION) {
		int error = ct__record_dir(out, store, CT_KIND_CLAIM,
			json_string_value(json_object_get(rec, "claim")));
		return error < 0 ? error
				 : ct_buf_printf(out, "/annotations/%s.json", ct_record_id(rec));
	}
	/* where the store writes it: a claim's or source's revision from 2 on by its digest */
	return ct__record_file_path(out, store, rec);
}

/* A merge revision rec (prev a list of digests) imported without the revisions it names: each
 * must be a revision of the store's, below rec's number, the highest one below it, and verify.
 * 1 when so. */
static int merge_prevs_in_store(ct_store *store, ct_kind kind, const json_t *rec, const char *label)
{
	json_int_t rev = json_integer_value(json_object_get(rec, "revision")), high = 0, m;
	ct_buf dir = CT_BUF_INIT;
	git_tree *folder = NULL;
	json_t *d, *at = NULL;
	size_t i;
	int error = 1;

	if ((error = ct__record_dir(&dir, store, kind, ct_record_id(rec))) < 0)
		goto done;
	error = 1;
	ct__subtree(&folder, store, store->tree, dir.ptr);
	json_array_foreach (json_object_get(rec, "prev"), i, d) {
		if (folder &&
			ct__revision_by_digest(&at, store, folder, ct_record_id(rec),
				json_string_value(d), rev - 1) < 0)
			ct_error_clear();
		m = at ? json_integer_value(json_object_get(at, "revision")) : 0;
		if (!at || m >= rev) {
			error = ct_error_set(CT_ECONFLICT,
				"%s: the revision %.19s its prev names is neither in the bundle nor "
				"in the store",
				label, json_string_value(d));
			goto done;
		}
		high = m > high ? m : high;
		/* never build on a store revision that does not verify */
		if ((error = ct__require_verified(store, at)) < 0)
			goto done;
		error = 1;
		json_decref(at);
		at = NULL;
	}
	if (high != rev - 1)
		error = ct_error_set(CT_ECONFLICT,
			"%s: prev does not name the store's revision %lld", label,
			(long long)(rev - 1));
done:
	json_decref(at);
	git_tree_free(folder);
	ct_buf_free(&dir);
	return error;
}

/* Decides what to do with one record: 1 write it, 0 skip it, or an error. */
static int import_decision(ct_store *store, const json_t *rec, ct_kind kind, const ct_buf *path,
	const ct_buf *data, const char *label, const json_t *prev_line)
{
	ct_buf have = CT_BUF_INIT;
	json_t *theirs = NULL;
	int error;

	error = ct__read_path(&have, store, path->ptr, CT_RECORD_MAX);
	if (error == CT_ENOTFOUND && (kind == CT_KIND_CLAIM || kind == CT_KIND_SOURCE) &&
		json_integer_value(json_object_get(rec, "revision")) > 1) {
		/* a store written before revisions were named by digest has it as "rNNNN.json" */
		ct_buf old = CT_BUF_INIT;
		ct_error_clear();
		if ((error = ct_store_record_path(&old, store, kind, ct_record_id(rec),
			     json_integer_value(json_object_get(rec, "revision")))) == 0 &&
			(error = ct__read_path(&have, store, old.ptr, CT_RECORD_MAX)) == 0 &&
			(have.len != data->len || memcmp(have.ptr, data->ptr, data->len) != 0)) {
			ct_buf_clear(&have);
			error = CT_ENOTFOUND; /* another revision of that number: a new one */
		}
		ct_buf_free(&old);
		if (error == 0)
			goto done; /* already there */
	}
	if (error == CT_ENOTFOUND) {
		long long rev = json_integer_value(json_object_get(rec, "revision"));
		ct_error_clear();
		error = 1;
		/* A revision needs its predecessor: earlier in the bundle, or in the store. */
		if ((kind == CT_KIND_CLAIM || kind == CT_KIND_SOURCE) && rev > 1 &&
			!(prev_line &&
				json_integer_value(json_object_get(prev_line, "revision")) ==
					rev - 1 &&
				strcmp(ct_record_id(prev_line), ct_record_id(rec)) == 0 &&
				strcmp(json_string_value(json_object_get(prev_line, "type")),
					ct_kind_name(kind)) == 0)) {
			char digest[CT_DIGEST_LEN + 1];
			json_t *before = NULL;
			const char *prev = json_string_value(json_object_get(rec, "prev"));
			if (json_is_array(json_object_get(rec, "prev"))) {
				/* a merge revision (docs/sync.md): every head it names in the store */
				error = merge_prevs_in_store(store, kind, rec, label);
				goto done;
			}
			if (ct_store_get(&before, store, kind, ct_record_id(rec), rev - 1) < 0) {
				error = ct_error_set(CT_ECONFLICT,
					"%s: its revision %lld is neither in the bundle nor in the store",
					label, rev - 1);
			} else if (ct_record_digest(digest, before) < 0 || !prev ||
				strcmp(digest, prev) != 0) {
				error = ct_error_set(CT_ECONFLICT,
					"%s: prev does not name the store's revision %lld", label,
					rev - 1);
			} else {
				/* never build on a store revision that does not verify */
				error = ct__require_verified(store, before);
				error = error < 0 ? error : 1;
			}
			json_decref(before);
		}
		goto done;
	}
	if (error < 0)
		goto done;
	if (have.len == data->len && memcmp(have.ptr, data->ptr, data->len) == 0) {
		error = 0; /* already there */
		goto done;
	}
	if (kind == CT_KIND_KEY &&
		ct_json_parse(&theirs, (const uint8_t *)have.ptr, have.len, CT_JSON_RECORD) == 0) {
		/* A revocation replaces the unrevoked record; the store's revocation stays. */
		int ours_revoked = json_object_get(rec, "revoked") != NULL;
		int theirs_revoked = json_object_get(theirs, "revoked") != NULL;
		if (ours_revoked != theirs_revoked) {
			error = ours_revoked;
			goto done;
		}
	}
	error = ct_error_set(CT_ECONFLICT, "%s: the store already has a different record at %s",
		label, path->ptr);
done:
	json_decref(theirs);
	ct_buf_free(&have);
	return error;
}

/*
 * After the import pass has read up to the trailer: the records read must be the ones verified
 * (same Merkle root), the trailer the one verified, and nothing may follow it.
 */
static int same_bundle(
	ct__line_reader *r, const ct_merkle *tree, int trailer, const import_job *job)
{
	uint8_t hash[CT_HASH_LEN], root[CT_HASH_LEN];
	char hex[2 * CT_HASH_LEN + 1];
	int error;

	if (!trailer)
		return ct_error_set(CT_EBADSIG,
			"%s changed after it was verified (its trailer is gone)", job->path);
	ct_merkle_root(tree, root);
	ct_hex(hex, root, CT_HASH_LEN);
	if (strcmp(hex, job->info->root) != 0)
		return ct_error_set(CT_EBADSIG,
			"%s changed after it was verified (its records hash to %s, not the verified "
			"root %s)",
			job->path, hex, job->info->root);
	ct__sha256(hash, r->line.ptr, r->line.len);
	if (memcmp(hash, job->trailer_hash, CT_HASH_LEN) != 0)
		return ct_error_set(CT_EBADSIG,
			"%s changed after it was verified (line %llu is not the verified trailer)",
			job->path, (unsigned long long)r->lineno);
	if ((error = ct__line_read(r)) < 0)
		return error;
	if (error > 0)
		return ct_error_set(CT_EBADSIG,
			"%s changed after it was verified (line %llu follows the trailer)",
			job->path, (unsigned long long)r->lineno);
	return 0;
}

/*
 * A text line (verified: the text of the source revision on the line before, prev): kept at the
 * path the store keeps that revision's text, unless it is there already. 1 when written.
 */
static int import_text(ct_txn *txn, ct_store *store, const ct__envelope *env, const json_t *prev,
	ct_buf *text, ct_buf *path)
{
	ct_buf have = CT_BUF_INIT;
	long long rev = json_integer_value(json_object_get(prev, "revision"));
	int error;

	ct_buf_clear(path);
	if ((error = ct__envelope_payload(text, env)) < 0 ||
		(error = ct__source_text_path(path, store, prev)) < 0)
		goto done;
	error = ct__read_path(&have, store, path->ptr, CT_TEXT_MAX);
	if (error == CT_ENOTFOUND && rev > 1) {
		/* a store written before texts were named as their revision: "rNNNN.txt" */
		ct_buf old = CT_BUF_INIT;
		ct_error_clear();
		if (ct__record_dir(&old, store, CT_KIND_SOURCE, ct_record_id(prev)) == 0 &&
			ct_buf_printf(&old, "/r%04lld.txt", rev) == 0 &&
			ct__read_path(&have, store, old.ptr, CT_TEXT_MAX) == 0 &&
			have.len == text->len && memcmp(have.ptr, text->ptr, text->len) == 0)
			error = 0; /* already there */
		ct_error_clear();
		ct_buf_clear(&have);
		ct_buf_free(&old);
		if (error == 0)
			goto done;
	}
	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		error = ct__txn_put(txn, path->ptr, text->ptr, text->len);
		error = error < 0 ? error : 1;
	} else if (error == 0 &&
		(have.len != text->len || memcmp(have.ptr, text->ptr, text->len))) {
		error = ct_error_set(CT_ECONFLICT,
			"text of source %s revision %lld: the store already has a different text at %s",
			ct_record_id(prev), rev, path->ptr);
	}
done:
	ct_buf_free(&have);
	return error;
}

static int import_build(ct_txn *txn, ct_store *store, void *payload)
{
	import_job *job = payload;
	ct__line_reader r;
	ct__envelope env;
	ct_buf body = CT_BUF_INIT, path = CT_BUF_INIT, data = CT_BUF_INIT;
	json_t *prev = NULL;
	ct_merkle tree;
	int trailer = 0;
	int error;

	job->written = 0;
	job->total = 0;
	job->untrusted_keys = 0;
	ct_merkle_init(&tree);
	if ((error = ct__bundle_open_file(&r, job->f, job->path)) < 0)
		return ct_error_prefix(error, "not imported");
	/* a bundle is a bulk write: its objects go into one pack (packwrite.c), not loose files */
	if ((error = ct__txn_bulk(txn)) < 0)
		goto done;
	if ((error = ct__txn_subject(txn, "bundle import: %llu record%s from %s",
		     (unsigned long long)job->info->records, job->info->records == 1 ? "" : "s",
		     job->info->creator)) < 0)
		goto done;
	while ((error = ct__line_read(&r)) > 0) {
		char label[CT_LABEL_MAX];
		json_t *rec = NULL;
		ct_kind kind;
		int decision;
		uint8_t leaf[CT_HASH_LEN];

		if (job->wopts && job->wopts->progress) {
			ct_progress pr = {"writing", (uint64_t)r.lineno, job->info->records + 2};
			job->wopts->progress(&pr, job->wopts->progress_payload);
		}

		int parsed = ct__envelope_parse(&env, r.line.ptr, r.line.len) == 0;

		if (parsed && ct__envelope_type_is(&env, CT_BUNDLE_PAYLOAD_TYPE)) {
			trailer = 1;
			break;
		}
		ct__line_leaf(leaf, &r);
		ct_merkle_add(&tree, leaf);
		if (parsed && ct__envelope_type_is(&env, CT_BUNDLE_TEXT_TYPE)) {
			if (!prev || json_integer_value(json_object_get(prev, "revision")) < 1 ||
				strcmp(json_string_value(json_object_get(prev, "type")),
					"source") != 0) {
				error = ct_error_set(CT_EINVALID,
					"%s: line %llu: a text not after a source", job->path,
					(unsigned long long)r.lineno);
				goto done;
			}
			job->total++;
			if ((error = import_text(txn, store, &env, prev, &body, &path)) < 0)
				goto done;
			job->written += (size_t)error;
			error = 0;
			continue;
		}
		if (parsed && ct__envelope_type_is(&env, CT_BUNDLE_PROOF_TYPE))
			continue; /* checkpoint proofs: used by verification, not stored */
		if ((error = ct__bundle_record_decode(&rec, &body, &env, r.line.ptr, r.line.len)) <
			0) {
			ct_error_prefix(
				error, "%s: line %llu", job->path, (unsigned long long)r.lineno);
			goto done;
		}
		ct_record_kind(&kind, rec);
		/* a checkpoint describes the creating store's history, not this one's: it vouches
		 * during verification and is not stored (docs/bundle.md 1.5) */
		if (kind == CT_KIND_CHECKPOINT) {
			json_decref(rec);
			continue;
		}
		job->total++;
		/* A key arrives in a bundle, but is not trusted by arriving: the record of a key the
		 * importer does not trust stays out of the store's key folder, where a check without
		 * a trust list would take it as given (docs/trust.md). Its signatures stay on the
		 * records and count as untrusted. */
		if (kind == CT_KIND_KEY && job->trust &&
			!ct_keyring_find(job->trust, ct_record_id(rec))) {
			job->untrusted_keys++;
			json_decref(rec);
			continue;
		}
		ct__record_label(label, rec);
		ct_buf_clear(&path);
		ct_buf_clear(&data);
		if ((error = record_path(&path, store, rec, kind)) < 0 ||
			(error = ct__record_serialize(&data, rec)) < 0 ||
			(decision = import_decision(store, rec, kind, &path, &data, label, prev)) <
				0) {
			if (error == 0)
				error = ct_error_last_code();
			json_decref(rec);
			goto done;
		}
		if (decision == 1) {
			if ((error = ct__txn_put(txn, path.ptr, data.ptr, data.len)) < 0) {
				json_decref(rec);
				goto done;
			}
			job->written++;
			if (job->written <= TRAILERS_MAX) {
				long long rev =
					json_integer_value(json_object_get(rec, "revision"));
				error = rev
					? ct__txn_trailer(txn, "Claimtrail-Record", "%s/%s@%lld",
						  ct_kind_name(kind), ct_record_id(rec), rev)
					: ct__txn_trailer(txn, "Claimtrail-Record", "%s/%s",
						  ct_kind_name(kind), ct_record_id(rec));
				if (error < 0) {
					json_decref(rec);
					goto done;
				}
			}
		}
		json_decref(prev);
		prev = rec;
	}
	if (error < 0)
		goto done;
	if ((error = same_bundle(&r, &tree, trailer, job)) < 0)
		goto done;
	if (job->written == 0) {
		error = ct_error_set(
			CT_EEXISTS, "every record in the bundle is already in the store");
		goto done;
	}
	{
		char text[400];
		int len = snprintf(text, sizeof(text),
			"Imported from a bundle created %s by key %s (merkle root %s).",
			job->info->created, job->info->creator, job->info->root);
		if (job->untrusted_keys && len > 0 && (size_t)len < sizeof(text))
			snprintf(text + len, sizeof(text) - (size_t)len,
				" Left out %zu key record%s of keys not trusted.",
				job->untrusted_keys, job->untrusted_keys == 1 ? "" : "s");
		if ((error = ct__txn_body(txn, text)) < 0)
			goto done;
	}
	if ((error = ct__txn_trailer(txn, "Claimtrail-Import", "bundle %s, %zu of %zu record%s",
		     job->info->root, job->written, job->total, job->total == 1 ? "" : "s")) < 0 ||
		(error = ct__txn_trailer(
			 txn, "Claimtrail-Bundle-Creator", "%s", job->info->creator)) < 0)
		goto done;
done:
	/* nothing is written when building the commit fails (but "all there already" is no error) */
	if (error < 0 && !(error == CT_EEXISTS && job->written == 0 && job->total > 0))
		ct_error_prefix(error, "not imported");
	json_decref(prev);
	ct_buf_free(&body);
	ct_buf_free(&path);
	ct_buf_free(&data);
	ct__line_reader_close(&r);
	return error;
}

/*
 * Opens the bundle once, for both passes. Only a regular file: a FIFO or a device could hand the
 * second pass other bytes than the first (O_NONBLOCK so that opening a FIFO does not wait).
 */
int ct__bundle_open_regular(FILE **out, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int flags;

	*out = NULL;
	if (fd < 0)
		return ct_error_set(
			errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		close(fd);
		return ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ct_error_set(CT_EINVALID,
			"%s: not a regular file (a bundle is imported from a "
			"regular file only)",
			path);
	}
	if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
		!(*out = fdopen(fd, "rb"))) {
		int e = errno;
		close(fd);
		return ct_error_set(e == ENOMEM ? CT_ENOMEM : CT_EIO, "%s: %s", path, strerror(e));
	}
	return 0;
}

int ct__bundle_import_file(size_t *count, ct_store *store, FILE *f, const char *path,
	const ct_bundle_info *info, const uint8_t trailer_hash[CT_HASH_LEN],
	const ct_keyring *trust, const ct_write_opts *wopts)
{
	import_job job;
	int error;

	*count = 0;
	memset(&job, 0, sizeof(job));
	job.path = path;
	job.f = f;
	job.trailer_hash = trailer_hash;
	job.info = info;
	job.trust = trust;
	job.wopts = wopts;
	error = ct__store_write(store, wopts ? wopts->signer : NULL, wopts ? wopts->max_retries : 8,
		import_build, &job);
	if (error == CT_EEXISTS && job.written == 0 && job.total > 0) {
		ct_error_clear();
		return 0;
	}
	if (error < 0)
		return error;
	*count = job.written;
	return 0;
}

int ct_bundle_import(size_t *count, ct_store *store, const char *path,
	const ct_bundle_verify_opts *vopts, const ct_write_opts *wopts)
{
	ct_bundle_info info;
	uint8_t trailer_hash[CT_HASH_LEN];
	FILE *f = NULL;
	ct__sigmemo *memo = NULL;
	int error;

	*count = 0;
	if (wopts &&
		(error = ct__opts_version(wopts->version, CT_WRITE_OPTS_VERSION, "ct_write_opts")) <
			0)
		return error;
	if ((error = ct__bundle_open_regular(&f, path)) < 0)
		return ct_error_prefix(error, "not imported");
	/* the signatures the verification finds valid, for the list summaries after the write */
	if (vopts && vopts->trust && ct__sigmemo_new(&memo, 0) == 0)
		ct__keyring_memo_record(vopts->trust, memo);
	ct_error_clear();
	error = ct__bundle_verify_file(&info, f, path, vopts, NULL, NULL, trailer_hash);
	if (memo)
		ct__keyring_memo_record(vopts->trust, NULL);
	if (error < 0)
		ct_error_prefix(error, "not imported");
	else
		error = ct__bundle_import_file(
			count, store, f, path, &info, trailer_hash, vopts->trust, wopts);
	/* the first list need not verify again what was just verified */
	if (error == 0 && *count > 0 && memo) {
		ct__sigmemo_seal(memo);
		if (ct__summaries_prime(store, memo) < 0)
			ct_error_clear(); /* the cache is only speed: list derives what is missing */
	}
	ct__sigmemo_free(memo);
	fclose(f);
	return error;
}
