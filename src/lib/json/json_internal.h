/* What the json module offers the library's other modules only. */
#ifndef CT_JSON_INTERNAL_H
#define CT_JSON_INTERNAL_H

#include "claimtrail/common.h"

#include <jansson.h>

/* Appends the RFC 8785 canonical form of the object obj without its member named omit, as
 * ct_json_canon of a copy without that member would, without the copy. */
int ct__json_canon_omit(ct_buf *out, const json_t *obj, const char *omit);

#endif
