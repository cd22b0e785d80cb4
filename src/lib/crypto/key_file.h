/* Internal to the library: reading public key record files (key_file.c), for keyring.c. */
#ifndef CT_KEY_FILE_H
#define CT_KEY_FILE_H

#include <jansson.h>

/* Parses a public key record file (JSON) and checks it; errors name the file. *out: a new
 * reference. */
int ct__key_record_file_read(json_t **out, const char *path);

#endif
