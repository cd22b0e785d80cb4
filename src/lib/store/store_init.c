/*
 * Creating a store: the write side of a new store (its first commit, with store.json and the
 * signer's key record) and the clone's first trusted key.
 */
#include "store_internal.h"
#include "claimtrail/trust.h"
#include "signing.h"

#include <stdlib.h>
#include <string.h>

static int init_build(ct_txn *txn, ct_store *store, void *payload)
{
	const ct_key *signer = payload;
	const json_t *pub = ct_key_public_record(signer);
	json_t *config;
	ct_buf path = CT_BUF_INIT;
	ct_buf body = CT_BUF_INIT;
	int error;

	if ((error = ct__store_load_config(store)) == 0) {
		error = ct_error_set(
			CT_EEXISTS, "a claimtrail store already exists at %s/", store->root);
		goto done;
	}
	if (error != CT_ENOTFOUND)
		goto done; /* a store that cannot be read is not overwritten */
	ct_error_clear();
	error = 0;
	config = json_pack("{s:s, s:i, s:b, s:i}", "format", CT__STORE_FORMAT, "version",
		CT__STORE_VERSION, "keep_source_text", 1, "sign_off_threshold", 2);
	if (!config) {
		error = ct__oom();
		goto done;
	}
	error = ct__record_serialize(&body, config);
	json_decref(config);
	if (error < 0 || (error = ct_buf_printf(&path, "%s/store.json", store->root)) < 0 ||
		(error = ct__txn_put(txn, path.ptr, body.ptr, body.len)) < 0)
		goto done;
	if ((error = ct__txn_put_record(txn, pub)) < 0)
		goto done;
	if ((error = ct__txn_subject(txn, "init: claimtrail store at %s/", store->root)) < 0 ||
		(error = ct__txn_body(
			 txn, "Creates the store and records the signer's public key.")) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Record", "key/%s", ct_key_id(signer))) <
			0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Signer", "%s", ct_key_id(signer))) < 0)
		goto done;
done:
	ct_buf_free(&body);
	ct_buf_free(&path);
	return error;
}

int ct_store_init(ct_store **out, const char *path, const char *root, const ct_key *signer)
{
	ct_store *store = NULL;
	int error;

	*out = NULL;
	if (!signer)
		return ct_error_set(CT_EINVALID, "init needs a signing key");
	if ((error = ct__store_new(&store, path, root, 1)) < 0)
		return error;
	if ((error = ct__store_write(store, signer, 8, init_build, (void *)signer)) < 0 ||
		(error = ct__store_load_config(store)) < 0) {
		ct_store_free(store);
		return error;
	}
	/* The initialising key is the clone's first trusted key (docs/trust.md). */
	error = ct_trust_add(
		git_repository_commondir(store->repo), ct_key_public_record(signer), NULL);
	if (error == CT_EEXISTS) {
		ct_error_clear();
		error = 0;
	}
	if (error < 0) {
		ct_error_prefix(error, "store made, but its key was not added to the trust list");
		ct_store_free(store);
		return error;
	}
	*out = store;
	return 0;
}
