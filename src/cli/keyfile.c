/* Loading the signing key named on the command line or by CLAIMTRAIL_KEY. */
#include "cli.h"

#include <stdlib.h>

int cli_load_key(ct_key **out, const char *path, const char *passphrase_file)
{
	char *pass = NULL;
	size_t len = 0;
	int encrypted = 0;
	int error;

	if (!path)
		path = getenv("CLAIMTRAIL_KEY");
	if (!path || !*path)
		return ct_error_set(
			CT_EINVALID, "no signing key: use --key FILE or set CLAIMTRAIL_KEY");
	if ((error = ct_key_file_encrypted(&encrypted, path)) < 0)
		return error;
	if (encrypted &&
		(error = cli_passphrase(&pass, &len, passphrase_file, "Passphrase: ", 0)) < 0)
		return error;
	error = ct_key_read(out, path, pass, len);
	cli_passphrase_free(pass);
	return error;
}
