/* Loading the signing key named on the command line or by CLAIMTRAIL_KEY. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

const char *cli_repo_path = ".";

int cli_default_trust(ct_keyring *ring)
{
	ct_buf configured = CT_BUF_INIT;
	const char *path = getenv("CLAIMTRAIL_TRUST");
	int error = 0;

	if (ct_keyring_count(ring) > 0)
		return 0; /* --trust given */
	if (!path || !*path) {
		error = ct_repo_config_path(&configured, cli_repo_path, "claimtrail.trust");
		if (error == CT_ENOTFOUND) {
			ct_error_clear();
			error = 0;
			goto done;
		}
		if (error < 0)
			goto done;
		path = configured.ptr;
	}
	error = ct_keyring_add_path(ring, path);
done:
	ct_buf_free(&configured);
	return error;
}

static int is_key_id(const char *s)
{
	return strlen(s) == CT_KEY_ID_LEN && strspn(s, "0123456789abcdef") == CT_KEY_ID_LEN;
}

/* The key record of an ssh-agent key named as "ssh:KEY-ID" (looked up in the store's key/
 * folder, then the trust list) or "ssh:FILE" (a key record file, as key import-ssh writes). */
static int ssh_key_record(json_t **out, const char *name)
{
	ct_store *store = NULL;
	json_t *list = NULL;
	const json_t *e;
	size_t i;
	int error;

	*out = NULL;
	if (!is_key_id(name))
		return ct_key_file_public_record(out, name);
	if (ct_store_open(&store, cli_repo_path, NULL) == 0 &&
		ct_store_get(out, store, CT_KIND_KEY, name, 0) == 0) {
		error = ct_key_record_check(*out);
		goto done;
	}
	ct_error_clear();
	if (ct_trust_read(&list, cli_repo_path) == 0) {
		json_array_foreach (list, i, e) {
			if (strcmp(json_string_value(json_object_get(e, "key_id")), name) == 0) {
				*out = json_incref(json_object_get(e, "record"));
				error = 0;
				goto done;
			}
		}
	}
	ct_error_clear();
	error = ct_error_set(CT_ENOTFOUND,
		"key ssh:%s: no key record for it in the store or the trust list (give the file "
		"'claimtrail key import-ssh' wrote: --key ssh:FILE)",
		name);
done:
	if (error < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(list);
	ct_store_free(store);
	return error;
}

/* A key held by ssh-agent: SSH_AUTH_SOCK names the agent (the library reads no environment). */
static int load_agent_key(ct_key **out, const char *name)
{
	json_t *rec = NULL;
	int error;

	if ((error = ssh_key_record(&rec, name)) == 0)
		error = ct_key_from_agent(out, getenv("SSH_AUTH_SOCK"), rec);
	json_decref(rec);
	return error;
}

int cli_load_key(ct_key **out, const char *path, const char *passphrase_file)
{
	ct_buf configured = CT_BUF_INIT;
	char *pass = NULL;
	size_t len = 0;
	int encrypted = 0;
	int error;

	if (!path)
		path = getenv("CLAIMTRAIL_KEY");
	if (!path || !*path) {
		/* git config claimtrail.key, of the repository -C names */
		error = ct_repo_config_path(&configured, cli_repo_path, "claimtrail.key");
		if (error == CT_ENOTFOUND) {
			error = ct_error_set(CT_EINVALID,
				"no signing key: use --key FILE, set CLAIMTRAIL_KEY or run "
				"'git config claimtrail.key FILE'");
		}
		if (error < 0)
			goto done;
		path = configured.ptr;
	}
	if (strncmp(path, "ssh:", 4) == 0) {
		error = load_agent_key(out, path + 4);
		goto done;
	}
	if ((error = ct_key_file_encrypted(&encrypted, path)) < 0)
		goto done;
	if (encrypted &&
		(error = cli_passphrase(&pass, &len, passphrase_file, "Passphrase: ", 0)) < 0)
		goto done;
	error = ct_key_read(out, path, pass, len);
done:
	cli_passphrase_free(pass);
	ct_buf_free(&configured);
	return error;
}
