/*
 * libFuzzer target: the secret key file reader (docs/format.md, the key file) and the public key
 * record reader on arbitrary bytes. Nothing may crash or leak; a file asking for Argon2id limits
 * beyond libsodium's sensitive ones must be refused before any derivation, and whatever is read
 * must be the key its public record names. A passphrase is given only when the file's own
 * limits are tiny or out of bounds, so that a run does not spend its time deriving keys.
 * Build as fuzz_record.c says, then:
 *   mkdir -p /tmp/keyfile && build-fuzz/tests/fuzz_keyfile -max_total_time=120 /tmp/keyfile tests/fuzz/corpus/keyfile
 * (libFuzzer adds what it finds to the first folder: keep the committed seeds as they are).
 */
#include "claimtrail.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[] = "/tmp/fuzz-keyfile-XXXXXX";

/* The decimal after "name: " in the file, or -1 when absent or too long. */
static long long field(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	long long v = 0;
	int digits = 0;

	if (!p)
		return -1;
	for (p += strlen(name); *p >= '0' && *p <= '9' && digits < 18; p++, digits++)
		v = v * 10 + (*p - '0');
	return digits && digits < 18 ? v : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ct_key *key = NULL;
	json_t *rec = NULL;
	char *text;
	long long ops, mem;
	int fd, enc = 0, error;

	if (!ready) {
		if (ct_init() < 0 || (fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		ready = 1;
	}
	if (!(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ops = field(text, "\nopslimit: ");
	mem = field(text, "\nmemlimit: ");
	free(text);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);

	if (ct_key_file_public_record(&rec, path) == 0 && ct_key_record_check(rec) < 0)
		abort(); /* a record handed out is a checked one */
	json_decref(rec);
	(void)ct_key_file_encrypted(&enc, path);
	if (ops < 0 || mem < 0 || mem <= 65536 || mem > (1LL << 30) || ops > 4)
		error = ct_key_read(&key, path, "fuzz", 4);
	else
		error = ct_key_read(&key, path, NULL, 0);
	if (error == 0 && (mem > (1LL << 30) || ops > 4) && enc)
		abort(); /* limits beyond the bound must be refused */
	if (error == 0) {
		/* the key read is the one its public record names */
		if (ct_key_file_public_record(&rec, path) < 0 ||
			strcmp(json_string_value(json_object_get(rec, "key_id")), ct_key_id(key)) !=
				0)
			abort();
		json_decref(rec);
	}
	ct_key_free(key);
	return 0;
}
