/*
 * Internal to the library: a spreadsheet's rows as claims' fields (claim_csv.c), for
 * claim_import.c and the CSV fuzz target. docs/store.md, "Importing a spreadsheet", has the
 * columns.
 */
#ifndef CT_CLAIM_CSV_H
#define CT_CLAIM_CSV_H

#include "csv.h"

#include <jansson.h>

/* What each column of a sheet holds, read from its header row. */
typedef struct {
	size_t count;			  /* columns in the header */
	int member[CT__CSV_CELLS_MAX];	  /* each column's member (claim_csv.c) */
	char name[CT__CSV_CELLS_MAX][24]; /* its header as written (cut), for messages */
} ct__claim_columns;

/* Reads the header row: each column's name, matched without regard to case or surrounding
 * spaces. CT_EINVALID names a column that is no claim member, one named twice, or statement
 * or source missing. */
int ct__claim_csv_header(ct__claim_columns *cols, const ct__csv_row *header);

/*
 * *out receives a new object of a row's fields (as `claimtrail import` takes them from a JSON
 * line), or NULL for a blank row (no cell but spaces). CT_EINVALID names the row and the column:
 * a row with another number of cells than the header, text that is not UTF-8, a quantity that
 * does not read as one.
 */
int ct__claim_csv_row(json_t **out, const ct__claim_columns *cols, const ct__csv_row *row);

#endif
