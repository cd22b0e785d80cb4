/*
 * The trust list: the public keys this clone trusts, kept in the git directory (never in the
 * store's history, like git config). It is what check, verify and bundle import trust when no
 * --trust is given; --trust adds to it. Format and rules: docs/trust.md.
 */
#ifndef CLAIMTRAIL_TRUST_H
#define CLAIMTRAIL_TRUST_H

#include <jansson.h>
#include "common.h"
#include "key.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The entries of the trust list of the repository containing path, in the order they were
 * added: *out is a new array of {"key_id", "name", "added", "record"} objects, or NULL when the
 * clone has no trust list (never made; an emptied list is an empty array). CT_ENOTFOUND when
 * there is no repository, CT_EINVALID when the list is damaged.
 */
int ct_trust_read(json_t **out, const char *path);

/* The value of the git configuration variable name ("claimtrail.key") of the repository
 * containing path (outside a repository: the global and system configuration), read as a path
 * ("~/" expanded), into out. CT_ENOTFOUND when it is not set. */
int ct_repo_config_path(ct_buf *out, const char *path, const char *name);

/*
 * Adds a public key record (checked with ct_key_record_check) to the trust list, under name
 * (NULL: the record's own name). Creates the list when there is none. CT_EEXISTS when the key
 * is listed already.
 */
int ct_trust_add(const char *path, const json_t *key_record, const char *name);

/*
 * ct_trust_add, naming the keys the added key may revoke (trust.md): can_revoke is an array of
 * key ids, or ["all"] (NULL or empty: none), stored as the entry's "can_revoke".
 */
int ct_trust_add_with(
	const char *path, const json_t *key_record, const char *name, const json_t *can_revoke);

/* Removes key_id from the trust list (the list stays, maybe empty). CT_ENOTFOUND when the key
 * is not listed. */
int ct_trust_remove(const char *path, const char *key_id);

/* Where the keys a check trusts came from. */
typedef struct {
	size_t given;	   /* keys the caller gave (--trust) */
	int has_list;	   /* the clone has a trust list */
	size_t listed;	   /* keys of the trust list */
	size_t store_keys; /* neither given keys nor a list: the store's key records taken as
			      given (the fallback); 0 otherwise */
} ct_trust_info;

/*
 * The keys check trusts by default: the keys in given (may be NULL) and those of the trust
 * list; when there are neither (no --trust, no trust list), the key records of the store's key
 * folder, as given, and info->store_keys says so. *out is the caller's (ct_keyring_free).
 */
int ct_store_trust(ct_keyring **out, ct_trust_info *info, ct_store *store, const ct_keyring *given);

/* Adds the keys of the trust list of the repository containing path to ring. *listed (may be
 * NULL) receives their number, *has_list (may be NULL) whether there is a list. A path that is
 * no repository adds nothing and is no error. */
int ct_trust_keyring_add(ct_keyring *ring, size_t *listed, int *has_list, const char *path);

#ifdef __cplusplus
}
#endif

#endif
