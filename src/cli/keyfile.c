/* Loading the signing key named on the command line or by CLAIMTRAIL_KEY. */
#include "cli.h"

#include <stdlib.h>

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
