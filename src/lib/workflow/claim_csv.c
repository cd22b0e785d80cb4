/*
 * A spreadsheet's rows as claims (claimtrail import sheet.csv): the header row names the
 * columns, each a member of the claim record; every other row becomes the fields one JSON line
 * of an import would give, so that the import checks, signs and writes them the same way.
 */
#include "claim_csv.h"
#include "error.h"
#include "utf8.h"
#include "claimtrail/record.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum {
	COL_ID,
	COL_STATEMENT,
	COL_SOURCE,
	COL_QUOTE,
	COL_LOCATION,
	COL_QUANTITY,
	COL_UNIT,
	COL_QUALIFIER,
	COL_TAGS,
	COL_COUNT,
};

/* clang-format off */
static const struct {
	const char *name;
	int member;
} columns[] = {
	{"id", COL_ID},
	{"statement", COL_STATEMENT},
	{"source", COL_SOURCE},
	{"attribution.source", COL_SOURCE},
	{"quote", COL_QUOTE},
	{"attribution.quote", COL_QUOTE},
	{"location", COL_LOCATION},
	{"attribution.location", COL_LOCATION},
	{"quantity", COL_QUANTITY},
	{"unit", COL_UNIT},
	{"quantity.unit", COL_UNIT},
	{"qualifier", COL_QUALIFIER},
	{"quantity.qualifier", COL_QUALIFIER},
	{"tags", COL_TAGS},
};
/* clang-format on */

#define KNOWN "id, statement, source, quote, location, quantity, unit, qualifier, tags"

/* s without the spaces and tabs around it: *len its new length. */
static const char *trim(const char *s, size_t *len)
{
	while (*len && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

static int column_member(const char *name, size_t len)
{
	size_t i, k;

	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		if (strlen(columns[i].name) != len)
			continue;
		for (k = 0; k < len && tolower((unsigned char)name[k]) == columns[i].name[k]; k++)
			;
		if (k == len)
			return columns[i].member;
	}
	return -1;
}

/* A header or cell as it may go into a message: printable ASCII, at most size - 1 bytes. */
static void shown(char *out, size_t size, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 1 < size; i++)
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[o] = '\0';
}

int ct__claim_csv_header(ct__claim_columns *cols, const ct__csv_row *header)
{
	int seen[COL_COUNT];
	size_t i, j;

	memset(cols, 0, sizeof(*cols));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < header->count; i++) {
		size_t len = header->lens[i];
		const char *name = trim(header->cells[i], &len);
		int m = column_member(name, len);
		shown(cols->name[i], sizeof(cols->name[i]), name, len);
		if (len == 0)
			return ct_error_set(CT_EINVALID,
				"row 1 (the header), column %zu: no name (the columns are " KNOWN
				")",
				i + 1);
		if (m < 0)
			return ct_error_set(CT_EINVALID,
				"row 1 (the header), column %zu: \"%s\" is not a column claimtrail "
				"knows (the columns are " KNOWN ")",
				i + 1, cols->name[i]);
		if (seen[m])
			for (j = 0; j < i; j++)
				if (cols->member[j] == m)
					return ct_error_set(CT_EINVALID,
						"row 1 (the header), column %zu: \"%s\" names the same "
						"member as column %zu (\"%s\")",
						i + 1, cols->name[i], j + 1, cols->name[j]);
		seen[m] = 1;
		cols->member[i] = m;
	}
	cols->count = header->count;
	if (!seen[COL_STATEMENT] || !seen[COL_SOURCE])
		return ct_error_set(CT_EINVALID,
			"row 1 (the header): no \"%s\" column (every claim needs its statement and "
			"source)",
			seen[COL_STATEMENT] ? "source" : "statement");
	return 0;
}

static int set_in(json_t *fields, const char *object, const char *member, json_t *value)
{
	json_t *o = json_object_get(fields, object);

	if (!value)
		return ct__oom();
	if (!o) {
		o = json_object();
		if (!o || json_object_set_new(fields, object, o) < 0) {
			json_decref(value);
			return ct__oom();
		}
	}
	return json_object_set_new(o, member, value) < 0 ? ct__oom() : 0;
}

/* "about 6.4 million", as `claim add --quantity` reads it: the amount, the wording when it says
 * more, the qualifier and "%" as the unit unless their own columns give them. */
static int set_quantity(json_t *fields, const char *text, size_t len)
{
	ct_quantity_parsed q;
	char buf[256];
	int error;

	if (len >= sizeof(buf))
		return ct_error_set(CT_EINVALID, "\"%.40s...\" is not a quantity", text);
	memcpy(buf, text, len);
	buf[len] = '\0';
	if ((error = ct_quantity_parse(&q, buf)) < 0 ||
		(error = set_in(fields, "quantity", "amount", json_string(q.amount))) < 0)
		return error;
	if (strcmp(buf, q.amount) != 0 &&
		(error = set_in(fields, "quantity", "text", json_stringn(text, len))) < 0)
		return error;
	if (q.qualifier[0] && !json_object_get(json_object_get(fields, "quantity"), "qualifier") &&
		(error = set_in(fields, "quantity", "qualifier", json_string(q.qualifier))) < 0)
		return error;
	if (q.percent && !json_object_get(json_object_get(fields, "quantity"), "unit") &&
		(error = set_in(fields, "quantity", "unit", json_string("%"))) < 0)
		return error;
	return 0;
}

/* "iskp, afghanistan; 2024": tags separated by commas or semicolons. */
static int set_tags(json_t *fields, const char *text, size_t len)
{
	json_t *tags = json_array();
	size_t at = 0;

	if (!tags || json_object_set_new(fields, "tags", tags) < 0)
		return ct__oom();
	while (at < len) {
		size_t end = at, n;
		const char *tag;
		while (end < len && text[end] != ',' && text[end] != ';')
			end++;
		n = end - at;
		tag = trim(text + at, &n);
		if (n && json_array_append_new(tags, json_stringn(tag, n)) < 0)
			return ct__oom();
		at = end + 1;
	}
	return 0;
}

static int set_cell(json_t *fields, int member, const char *text, size_t len)
{
	switch (member) {
	case COL_ID:
		return json_object_set_new(fields, "id", json_stringn(text, len)) < 0 ? ct__oom()
										      : 0;
	case COL_STATEMENT:
		return json_object_set_new(fields, "statement", json_stringn(text, len)) < 0
			? ct__oom()
			: 0;
	case COL_SOURCE: return set_in(fields, "attribution", "source", json_stringn(text, len));
	case COL_QUOTE: return set_in(fields, "attribution", "quote", json_stringn(text, len));
	case COL_LOCATION:
		return set_in(fields, "attribution", "location", json_stringn(text, len));
	case COL_UNIT: return set_in(fields, "quantity", "unit", json_stringn(text, len));
	case COL_QUALIFIER: return set_in(fields, "quantity", "qualifier", json_stringn(text, len));
	case COL_TAGS: return set_tags(fields, text, len);
	default: return 0; /* the quantity goes in last, after its unit and qualifier */
	}
}

int ct__claim_csv_row(json_t **out, const ct__claim_columns *cols, const ct__csv_row *row)
{
	json_t *fields = NULL;
	size_t i, blank = 1;
	int pass, error = 0;

	*out = NULL;
	for (i = 0; i < row->count; i++) {
		size_t len = row->lens[i];
		trim(row->cells[i], &len);
		if (len)
			blank = 0;
	}
	if (blank)
		return 0;
	if (row->count != cols->count)
		return ct_error_set(CT_EINVALID,
			"row %zu (line %zu): %zu cell%s, the header has %zu", row->row, row->line,
			row->count, row->count == 1 ? "" : "s", cols->count);
	if (!(fields = json_object()))
		return ct__oom();
	/* the quantity after its unit and qualifier, which it does not override */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < row->count; i++) {
			size_t len = row->lens[i];
			const char *text = row->cells[i];
			int quantity = cols->member[i] == COL_QUANTITY;
			/* text members keep their spaces; names and numbers do not */
			if (cols->member[i] != COL_STATEMENT && cols->member[i] != COL_QUOTE)
				text = trim(text, &len);
			if (len == 0 || quantity != pass)
				continue; /* an empty cell: the member is absent */
			if ((error = ct__utf8_check(text, len, "the cell")) < 0 ||
				(error = quantity ? set_quantity(fields, text, len)
						  : set_cell(fields, cols->member[i], text, len)) <
					0) {
				error = ct_error_prefix(error, "row %zu, column %zu (%s)", row->row,
					i + 1, cols->name[i]);
				goto done;
			}
		}
	}
	*out = fields;
	fields = NULL;
done:
	json_decref(fields);
	return error;
}
