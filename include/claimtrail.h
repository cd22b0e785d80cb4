/*
 * claimtrail: the public C API.
 *
 * One include for everything the command does; a test or another program can do all of it
 * through these headers. Conventions (see STYLE in docs/hacking.md):
 *  - functions return 0 or a negative CT_E* code; the one-line message is in ct_error_last();
 *  - objects handed out through `**out` belong to the caller and are freed with ct_<type>_free,
 *    which accepts NULL; getters borrow;
 *  - json_t values returned through `**out` are new references; arguments are borrowed unless
 *    the comment says the function steals them.
 */
#ifndef CLAIMTRAIL_H
#define CLAIMTRAIL_H

#include "claimtrail/common.h"
#include "claimtrail/json.h"
#include "claimtrail/key.h"
#include "claimtrail/record.h"
#include "claimtrail/store.h"
#include "claimtrail/status.h"
#include "claimtrail/bundle.h"
#include "claimtrail/diff.h"
#include "claimtrail/workflow.h"
#include "claimtrail/trust.h"
#include "claimtrail/search.h"
#include "claimtrail/publish.h"
#include "claimtrail/export.h"
#include "claimtrail/sync.h"

#endif
