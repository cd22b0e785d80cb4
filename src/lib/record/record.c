/*
 * Records: the four kinds, their schemas (docs/format.md, "Record schemas"), ids, dates, and
 * the signed body, digest and DSSE pre-authentication encoding shared by signing and storage.
 * Schemas are tables, so that the validator and the documentation can be read side by side; each
 * row also says how a revision diff shows the member and what bundle verification reads it into
 * (record_internal.h), so that a member is defined in one place.
 */
#include "record_internal.h"
#include "error.h"
#include "claimtrail/json.h"
#include "record_internal.h"
#include "hex.h"
#include "json_internal.h"
#include "runtime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const kind_names[CT_KIND_COUNT] = {
	"source", "claim", "annotation", "key", "checkpoint"};

/* ct_revision is the type a record's "revision" member is read as: the API's revision numbers
 * and jansson's integers mix freely (pointers included) only while the two are one type. */
_Static_assert(_Generic((ct_revision *)0, json_int_t * : 1, default : 0),
	"ct_revision must be jansson's json_int_t");
_Static_assert(sizeof("annotation") <= CT_KIND_NAME_MAX + 1, "CT_KIND_NAME_MAX holds every kind");
static const char *const payload_types[CT_KIND_COUNT] = {
	"application/vnd.claimtrail.source+json",
	"application/vnd.claimtrail.claim+json",
	"application/vnd.claimtrail.annotation+json",
	"application/vnd.claimtrail.key+json",
	"application/vnd.claimtrail.checkpoint+json",
};

const char *ct_kind_name(ct_kind kind)
{
	return (unsigned)kind < CT_KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *ct_kind_payload_type(ct_kind kind)
{
	return (unsigned)kind < CT_KIND_COUNT ? payload_types[kind] : NULL;
}

int ct_kind_from_name(ct_kind *out, const char *name)
{
	int i;

	for (i = 0; i < CT_KIND_COUNT; i++) {
		if (name && strcmp(name, kind_names[i]) == 0) {
			*out = (ct_kind)i;
			return 0;
		}
	}
	return ct_error_set(CT_EINVALID, "unknown record type \"%s\"", name ? name : "(none)");
}

int ct_id_validate(const char *id, const char *what)
{
	size_t i;
	size_t len = id ? strlen(id) : 0;

	if (len == 0)
		return ct_error_set(CT_EINVALID, "%s id is empty", what);
	if (len > CT_ID_MAX)
		return ct_error_set(CT_EINVALID, "%s id \"%.80s\" is longer than %d characters",
			what, id, CT_ID_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
		if (!ok)
			return ct_error_set(CT_EINVALID,
				"%s id \"%.80s\" is not safe: use lowercase letters, digits and '-' "
				"(not first), at most %d characters",
				what, id, CT_ID_MAX);
	}
	return 0;
}

/* The ASCII letter a Latin-1 letter (U+00C0 to U+00FF, the byte after 0xC3 in UTF-8) is
 * written with, lower case, so that "São Paulo" is one word "sao", not "s" and "o". 0: none. */
static char latin1_base(unsigned char second)
{
	static const char base[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"
				   "aaaaaaaceeeeiiiidnooooo ouuuuyty";

	if (second < 0x80 || second > 0xbf)
		return 0;
	return base[second - 0x80] == ' ' ? 0 : base[second - 0x80];
}

int ct_id_from_text(char *out, size_t out_size, const char *text)
{
	char slug[256];
	size_t n = 0;
	size_t max = out_size - 1 < CT_ID_DERIVED_MAX ? out_size - 1 : CT_ID_DERIVED_MAX;
	int dash = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p && n + 2 < sizeof(slug); p++) {
		char letter = isascii(*p) && isalnum(*p) ? (char)tolower(*p)
			: *p == 0xc3			 ? latin1_base(p[1])
							 : 0;
		if (letter) {
			if (dash && n > 0)
				slug[n++] = '-';
			dash = 0;
			slug[n++] = letter;
			p += *p == 0xc3; /* the letter's second byte */
		} else if (*p == ',' && isdigit(p[1]) && n > 0 &&
			isdigit((unsigned char)slug[n - 1])) {
			continue; /* 6,000 -> 6000 */
		} else if (*p == '\'' || (*p == 0xe2 && p[1] == 0x80 && p[2] == 0x99)) {
			p += *p == '\'' ? 0 : 2; /* apostrophes join words: taliban's -> talibans */
		} else {
			dash = 1;
		}
	}
	slug[n] = '\0';
	if (n > max) {
		/* cut at the last word boundary that fits */
		n = max;
		while (n > 0 && slug[n] != '-')
			n--;
		if (n == 0)
			n = max;
		slug[n] = '\0';
	}
	while (n > 0 && slug[n - 1] == '-')
		slug[--n] = '\0';
	if (n == 0)
		return ct_error_set(
			CT_EINVALID, "cannot derive an id from \"%.60s\": give --id", text);
	memcpy(out, slug, n + 1);
	return 0;
}

static int digits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int valid_ymd(const char *s)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
		return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

int ct_date_validate(const char *date, const char *what)
{
	if (date && strlen(date) == 10 && digits(date, 4) && date[4] == '-' &&
		digits(date + 5, 2) && date[7] == '-' && digits(date + 8, 2) && !valid_ymd(date))
		return ct_error_set(CT_EINVALID,
			"%s \"%.40s\" is an impossible date: there is no such day", what, date);
	if (!date || strlen(date) != 10 || !valid_ymd(date))
		return ct_error_set(CT_EINVALID,
			"%s \"%.40s\" is not a date of the form YYYY-MM-DD", what,
			date ? date : "");
	return 0;
}

int ct_timestamp_validate(const char *ts, const char *what)
{
	const char *t = ts + 11;

	if (!ts || strlen(ts) != 20 || !valid_ymd(ts) || ts[10] != 'T' || !digits(t, 2) ||
		t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2) ||
		t[8] != 'Z' || (t[0] - '0') * 10 + (t[1] - '0') > 23 || t[3] > '5' || t[6] > '5')
		return ct_error_set(CT_EINVALID,
			"%s \"%.40s\" is not a UTC time of the form YYYY-MM-DDThh:mm:ssZ", what,
			ts ? ts : "");
	return 0;
}

void ct_timestamp_now(char out[CT_TIMESTAMP_LEN + 1])
{
	time_t now = ct__now();
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, CT_TIMESTAMP_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ct_record_kind(ct_kind *out, const json_t *record)
{
	if (!json_is_object(record))
		return ct_error_set(CT_EINVALID, "a record must be a JSON object");
	return ct_kind_from_name(out, json_string_value(json_object_get(record, "type")));
}

const char *ct_record_id(const json_t *record)
{
	const char *id = json_string_value(json_object_get(record, "id"));

	if (!id)
		id = json_string_value(json_object_get(record, "key_id"));
	return id ? id : "(no id)";
}

/* ---- schemas ---- */

typedef enum {
	F_STRING, /* a non-empty string */
	F_TEXT,	  /* any string, possibly empty */
	F_ID,	  /* a safe id */
	F_DIGEST, /* "sha256:" + 64 hex */
	F_PREV,	  /* a digest, or an array of two or more, ascending (a merge revision) */
	F_TIMESTAMP,
	F_DATE,
	F_POSINT, /* integer >= 1 */
	F_UINT,	  /* integer >= 0 */
	F_BOOL,
	F_STRINGS,    /* array of non-empty strings */
	F_IDS,	      /* array of ids */
	F_HEX64,      /* 64 lowercase hex digits */
	F_KEYID,      /* 16 lowercase hex digits */
	F_COMMIT,     /* 40 lowercase hex digits: a git commit id */
	F_B64_32,     /* base64 of 32 bytes */
	F_URL,	      /* scheme://... */
	F_DECIMAL,    /* a decimal number as a string: -?digits(.digits)? */
	F_WHEN,	      /* a date to the year, month or day: YYYY, YYYY-MM or YYYY-MM-DD */
	F_LINKS,      /* array of objects, each with the row's fields */
	F_ENUM,	      /* one of a list */
	F_OBJECT,     /* an object with its own fields */
	F_SIGNATURES, /* array of {key_id, sig} */
} field_type;

/* A row: name, field_type, required, values (F_ENUM), fields (F_OBJECT), how a revision diff
 * shows it, what bundle verification reads it into (record_internal.h). */
typedef ct__member field;

static const char *const source_kinds[] = {"article", "report", "statement", "dataset", "interview",
	"book", "broadcast", "social-post", "document", "web-page", "other", NULL};
static const char *const annotation_kinds[] = {"verdict", "note", "dispute", "resolution", NULL};
static const char *const outcomes[] = {"upheld", "rejected", NULL};
static const char *const algorithms[] = {"ed25519", NULL};
static const char *const link_roles[] = {"said-by", "reported-by", "cited-by", "recorded-by", NULL};

static const field archive_fields[] = {
	{"sha256", F_HEX64, 1, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_ARCHIVE_SHA256},
	{"length", F_UINT, 1, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_ARCHIVE_LENGTH},
	{"media_type", F_STRING, 0, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_NONE},
	{"stored", F_BOOL, 0, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_ARCHIVE_STORED},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field source_fields[] = {
	{"type", F_STRING, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_TYPE},
	{"id", F_ID, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_ID},
	{"revision", F_POSINT, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_REVISION},
	{"prev", F_PREV, 0, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_PREV},
	{"created", F_TIMESTAMP, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_NONE},
	{"reason", F_STRING, 0, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_NONE},
	{"title", F_STRING, 1, NULL, NULL, CT__DIFF_AS_WORDS, CT__BV_NONE},
	{"publisher", F_STRING, 1, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"authors", F_STRINGS, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"url", F_URL, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"published", F_DATE, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"retrieved", F_DATE, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"kind", F_ENUM, 0, source_kinds, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"archive", F_OBJECT, 0, NULL, archive_fields, CT__DIFF_AS_MEMBERS, CT__BV_MEMBERS},
	{"signatures", F_SIGNATURES, 0, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_SIGNATURES},
	{"retracted", F_BOOL, 0, NULL, NULL, CT__DIFF_AS_FLAG, CT__BV_NONE},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field selector_fields[] = {
	{"exact", F_STRING, 1, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_NONE},
	{"prefix", F_TEXT, 1, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_NONE},
	{"suffix", F_TEXT, 1, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_NONE},
	{"start", F_UINT, 1, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_NONE},
	{"end", F_UINT, 1, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_NONE},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field attribution_fields[] = {
	{"source", F_ID, 1, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_SOURCE},
	{"source_revision", F_DIGEST, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_SOURCE_REVISION},
	{"quote", F_STRING, 0, NULL, NULL, CT__DIFF_AS_WORDS, CT__BV_NONE},
	{"location", F_STRING, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"selector", F_OBJECT, 0, NULL, selector_fields, CT__DIFF_AS_PATCH, CT__BV_NONE},
	{"role", F_ENUM, 0, link_roles, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

/* One link of a claim's attribution chain beyond "attribution" (docs/format.md 5.3). */
static const field link_fields[] = {
	{"role", F_ENUM, 1, link_roles, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"source", F_ID, 1, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"source_revision", F_DIGEST, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"quote", F_STRING, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"location", F_STRING, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"selector", F_OBJECT, 0, NULL, selector_fields, CT__DIFF_AS_PATCH, CT__BV_NONE},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field quantity_fields[] = {
	{"amount", F_DECIMAL, 1, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"unit", F_STRING, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"qualifier", F_STRING, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"text", F_STRING, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"low", F_DECIMAL, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"high", F_DECIMAL, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"as_of", F_WHEN, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field claim_fields[] = {
	{"type", F_STRING, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_TYPE},
	{"id", F_ID, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_ID},
	{"revision", F_POSINT, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_REVISION},
	{"prev", F_PREV, 0, NULL, NULL, CT__DIFF_AS_PATCH, CT__BV_PREV},
	{"created", F_TIMESTAMP, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_NONE},
	{"reason", F_STRING, 0, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_NONE},
	{"statement", F_STRING, 1, NULL, NULL, CT__DIFF_AS_WORDS, CT__BV_NONE},
	{"attribution", F_OBJECT, 1, NULL, attribution_fields, CT__DIFF_AS_MEMBERS,
		CT__BV_ATTRIBUTION},
	{"quantity", F_OBJECT, 0, NULL, quantity_fields, CT__DIFF_AS_MEMBERS, CT__BV_NONE},
	{"tags", F_IDS, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"retracted", F_BOOL, 0, NULL, NULL, CT__DIFF_AS_FLAG, CT__BV_NONE},
	{"signatures", F_SIGNATURES, 0, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_SIGNATURES},
	{"sources", F_LINKS, 0, NULL, link_fields, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"hedges", F_STRINGS, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"depends_on", F_IDS, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{"same_quantity", F_IDS, 0, NULL, NULL, CT__DIFF_AS_VALUE, CT__BV_NONE},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field dispute_fields[] = {
	{"by", F_STRING, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"reason", F_STRING, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"source", F_ID, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_DISPUTE_SOURCE},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field annotation_fields[] = {
	{"type", F_STRING, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_TYPE},
	{"id", F_ID, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_ID},
	{"created", F_TIMESTAMP, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"claim", F_ID, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_CLAIM},
	{"claim_revision", F_DIGEST, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_CLAIM_REVISION},
	{"kind", F_ENUM, 1, annotation_kinds, NULL, CT__DIFF_AS_NONE, CT__BV_KIND},
	{"verdict", F_STRING, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"note", F_STRING, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"evidence", F_IDS, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_EVIDENCE},
	{"dispute", F_OBJECT, 0, NULL, dispute_fields, CT__DIFF_AS_NONE, CT__BV_DISPUTE},
	{"resolves", F_ID, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"outcome", F_ENUM, 0, outcomes, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"signatures", F_SIGNATURES, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_SIGNATURES},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field revoked_fields[] = {
	{"at", F_TIMESTAMP, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"reason", F_STRING, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"compromised_since", F_TIMESTAMP, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"successor", F_KEYID, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"by", F_KEYID, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field key_fields[] = {
	{"type", F_STRING, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_TYPE},
	{"key_id", F_KEYID, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_ID},
	{"algorithm", F_ENUM, 1, algorithms, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"public_key", F_B64_32, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"name", F_STRING, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"org", F_STRING, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"created", F_TIMESTAMP, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"expires", F_TIMESTAMP, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"rotated_from", F_KEYID, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"revoked", F_OBJECT, 0, NULL, revoked_fields, CT__DIFF_AS_NONE, CT__BV_REVOKED},
	{"signatures", F_SIGNATURES, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_SIGNATURES},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

/* A signed checkpoint (issue 17): the branch's commit, the Merkle root over every record at it
 * and their number, and when. */
static const field checkpoint_fields[] = {
	{"type", F_STRING, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_TYPE},
	{"id", F_ID, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_ID},
	{"created", F_TIMESTAMP, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"commit", F_COMMIT, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"root", F_DIGEST, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"records", F_UINT, 1, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_NONE},
	{"signatures", F_SIGNATURES, 0, NULL, NULL, CT__DIFF_AS_NONE, CT__BV_SIGNATURES},
	{NULL, 0, 0, NULL, NULL, 0, 0},
};

static const field *const kind_fields[CT_KIND_COUNT] = {
	source_fields, claim_fields, annotation_fields, key_fields, checkpoint_fields};

const ct__member *ct__record_schema(ct_kind kind)
{
	return (unsigned)kind < CT_KIND_COUNT ? kind_fields[kind] : NULL;
}

const ct__member *ct__record_schema_slot(const char **parent, ct_kind kind, ct__bv_slot slot)
{
	const field *f, *g;

	*parent = NULL;
	for (f = ct__record_schema(kind); f && f->name; f++) {
		if (f->verify == slot)
			return f;
		for (g = f->fields; g && g->name; g++)
			if (g->verify == slot) {
				*parent = f->name;
				return g;
			}
	}
	return NULL;
}

static int lower_hex(const char *s, size_t n)
{
	return strlen(s) == n && ct__hex_lower(s, n);
}

static int valid_decimal(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0' && strlen(s) <= 40;
}

/* YYYY, YYYY-MM or YYYY-MM-DD: when a figure held, to the precision the source gives. */
static int valid_when(const char *s)
{
	char day[11];
	size_t n = strlen(s);

	if (n == 4)
		return digits(s, 4);
	if (n == 7) {
		snprintf(day, sizeof(day), "%s-01", s);
		return valid_ymd(day);
	}
	return n == 10 && valid_ymd(s);
}

static int valid_url(const char *s)
{
	const char *colon = strstr(s, "://");
	const char *p;

	if (!colon || colon == s || !isalpha((unsigned char)s[0]))
		return 0;
	for (p = s; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
			return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return colon[3] != '\0';
}

static int check_fields(const json_t *obj, const field *fields, const char *rec, const char *path);

/* Checks one member's value; path is the member's dotted name for messages. */
static int check_value(const json_t *v, const field *f, const char *rec, const char *path)
{
	const char *s = json_string_value(v);
	size_t i, j;
	json_t *item;

	switch (f->type) {
	case F_TEXT:
		if (!json_is_string(v))
			goto not_string;
		return 0;
	case F_STRING:
		if (!json_is_string(v))
			goto not_string;
		if (!*s)
			return ct_error_set(CT_EINVALID, "%s: member \"%s\" is empty", rec, path);
		return 0;
	case F_ID:
		if (!json_is_string(v))
			goto not_string;
		return ct_id_validate(s, path) < 0 ? ct_error_prefix(CT_EINVALID, "%s", rec) : 0;
	case F_DIGEST:
		if (!json_is_string(v))
			goto not_string;
		if (strncmp(s, "sha256:", 7) != 0 || !lower_hex(s + 7, 64))
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\" is not a digest \"sha256:<64 hex digits>\"", rec,
				path);
		return 0;
	case F_PREV:
		if (json_is_array(v)) {
			field one = *f;
			one.type = F_DIGEST;
			if (json_array_size(v) < 2)
				return ct_error_set(CT_EINVALID,
					"%s: member \"%s\" lists fewer than two digests (one is given as a "
					"string)",
					rec, path);
			json_array_foreach (v, i, item) {
				if (check_value(item, &one, rec, path) < 0)
					return CT_EINVALID;
				if (i > 0 &&
					strcmp(json_string_value(json_array_get(v, i - 1)),
						json_string_value(item)) >= 0)
					return ct_error_set(CT_EINVALID,
						"%s: member \"%s\" lists its digests out of order or twice",
						rec, path);
			}
			return 0;
		}
		if (!json_is_string(v))
			goto not_string;
		if (strncmp(s, "sha256:", 7) != 0 || !lower_hex(s + 7, 64))
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\" is not a digest \"sha256:<64 hex digits>\"", rec,
				path);
		return 0;
	case F_TIMESTAMP:
		if (!json_is_string(v))
			goto not_string;
		return ct_timestamp_validate(s, path) < 0 ? ct_error_prefix(CT_EINVALID, "%s", rec)
							  : 0;
	case F_DATE:
		if (!json_is_string(v))
			goto not_string;
		return ct_date_validate(s, path) < 0 ? ct_error_prefix(CT_EINVALID, "%s", rec) : 0;
	case F_POSINT:
	case F_UINT:
		if (!json_is_integer(v) || json_integer_value(v) < (f->type == F_POSINT ? 1 : 0) ||
			json_integer_value(v) > CT_JSON_MAX_SAFE_INT)
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\" must be an integer >= %d", rec, path,
				f->type == F_POSINT ? 1 : 0);
		return 0;
	case F_BOOL:
		if (!json_is_boolean(v))
			return ct_error_set(
				CT_EINVALID, "%s: member \"%s\" must be true or false", rec, path);
		return 0;
	case F_STRINGS:
	case F_IDS:
		if (!json_is_array(v))
			return ct_error_set(
				CT_EINVALID, "%s: member \"%s\" must be an array", rec, path);
		json_array_foreach (v, i, item) {
			const char *is = json_string_value(item);
			if (!is || !*is)
				return ct_error_set(CT_EINVALID,
					"%s: member \"%s\" item %zu must be a non-empty string",
					rec, path, i);
			if (f->type == F_IDS && ct_id_validate(is, path) < 0)
				return ct_error_prefix(CT_EINVALID, "%s", rec);
		}
		return 0;
	case F_HEX64:
	case F_KEYID:
	case F_COMMIT: {
		int n = f->type == F_HEX64 ? 64 : f->type == F_COMMIT ? 40 : CT_KEY_ID_LEN;
		if (!json_is_string(v))
			goto not_string;
		if (!lower_hex(s, (size_t)n))
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\" must be %d lowercase hex digits", rec, path, n);
		return 0;
	}
	case F_B64_32: {
		uint8_t raw[48];
		size_t n = 0;
		if (!json_is_string(v))
			goto not_string;
		if (ct_base64_decode(raw, sizeof(raw), &n, s) < 0 || n != 32)
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\" must be standard base64 of 32 bytes", rec, path);
		return 0;
	}
	case F_URL:
		if (!json_is_string(v))
			goto not_string;
		if (!valid_url(s))
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\": \"%.80s\" is not a URL", rec, path, s);
		return 0;
	case F_DECIMAL:
		if (!json_is_string(v))
			goto not_string;
		if (!valid_decimal(s))
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\": \"%.40s\" is not a decimal number such as 6000 or 2.5",
				rec, path, s);
		return 0;
	case F_WHEN:
		if (!json_is_string(v))
			goto not_string;
		if (!valid_when(s))
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\": \"%.40s\" is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
				rec, path, s);
		return 0;
	case F_LINKS:
		if (!json_is_array(v) || json_array_size(v) == 0)
			return ct_error_set(CT_EINVALID,
				"%s: member \"%s\" must be a non-empty array", rec, path);
		json_array_foreach (v, i, item) {
			int error;
			if (!json_is_object(item))
				return ct_error_set(CT_EINVALID,
					"%s: member \"%s\" item %zu must be an object", rec, path,
					i);
			if ((error = check_fields(item, f->fields, rec, path)) < 0)
				return error;
		}
		return 0;
	case F_ENUM:
		if (!json_is_string(v))
			goto not_string;
		for (i = 0; f->values[i]; i++)
			if (strcmp(s, f->values[i]) == 0)
				return 0;
		return ct_error_set(
			CT_EINVALID, "%s: member \"%s\": unknown value \"%.40s\"", rec, path, s);
	case F_OBJECT:
		if (!json_is_object(v))
			return ct_error_set(
				CT_EINVALID, "%s: member \"%s\" must be an object", rec, path);
		return check_fields(v, f->fields, rec, path);
	case F_SIGNATURES: {
		/* the items of "signatures", whose row says how they diff and verify */
		static const field sig_fields[] = {
			{"key_id", F_KEYID, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_NONE},
			{"sig", F_STRING, 1, NULL, NULL, CT__DIFF_AS_SIDE, CT__BV_NONE},
			{NULL, 0, 0, NULL, NULL, 0, 0},
		};
		if (!json_is_array(v))
			return ct_error_set(
				CT_EINVALID, "%s: member \"signatures\" must be an array", rec);
		json_array_foreach (v, i, item) {
			uint8_t raw[96];
			size_t n = 0;
			int error;
			if (!json_is_object(item))
				return ct_error_set(
					CT_EINVALID, "%s: signature %zu must be an object", rec, i);
			if ((error = check_fields(item, sig_fields, rec, "signatures[]")) < 0)
				return error;
			if (ct_base64_decode(raw, sizeof(raw), &n,
				    json_string_value(json_object_get(item, "sig"))) < 0 ||
				n != 64)
				return ct_error_set(CT_EINVALID,
					"%s: signature %zu: \"sig\" must be standard base64 of 64 bytes",
					rec, i);
			/* at most one entry per key id, as in a bundle's envelope (format.md 2.2) */
			for (j = 0; j < i; j++)
				if (strcmp(json_string_value(json_object_get(item, "key_id")),
					    json_string_value(json_object_get(
						    json_array_get(v, j), "key_id"))) == 0)
					return ct_error_set(CT_EINVALID,
						"%s: two signatures by key %s", rec,
						json_string_value(json_object_get(item, "key_id")));
		}
		return 0;
	}
	}
	return ct_error_set(CT_EINVALID, "%s: member \"%s\": unknown field type", rec, path);
not_string:
	return ct_error_set(CT_EINVALID, "%s: member \"%s\" must be a string", rec, path);
}

/* sub = "<path>.<name>", or name at the top (path NULL); -1 when it does not fit in size. */
static int member_path(char *sub, size_t size, const char *path, const char *name)
{
	size_t at = path ? strlen(path) : 0, len = strlen(name);

	if (at + (path ? 1 : 0) + len >= size)
		return -1;
	if (path) {
		memcpy(sub, path, at);
		sub[at++] = '.';
	}
	memcpy(sub + at, name, len + 1);
	return 0;
}

static int check_fields(const json_t *obj, const field *fields, const char *rec, const char *path)
{
	const char *key;
	json_t *value;
	const field *f;
	char sub[128];
	int error;

	json_object_foreach ((json_t *)obj, key, value) {
		for (f = fields; f->name; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (!f->name)
			return ct_error_set(CT_EINVALID, "%s: unknown member \"%s%s%.60s\"", rec,
				path ? path : "", path ? "." : "", key);
	}
	for (f = fields; f->name; f++) {
		value = json_object_get(obj, f->name);
		if (!value && !f->required)
			continue; /* an optional member left out: nothing to check, nor to name */
		if (member_path(sub, sizeof(sub), path, f->name) < 0)
			return ct_error_set(CT_EINVALID,
				path ? "%s: member path too long" : "%s: member name too long",
				rec);
		if (!value) {
			if (f->required)
				return ct_error_set(
					CT_EINVALID, "%s: missing member \"%s\"", rec, sub);
			continue;
		}
		if ((error = check_value(value, f, rec, sub)) < 0)
			return error;
	}
	return 0;
}

/* Rules that span members, which the tables cannot say. */
static int check_rules(const json_t *record, ct_kind kind, const char *rec)
{
	json_int_t revision = json_integer_value(json_object_get(record, "revision"));
	const json_t *prev = json_object_get(record, "prev");
	const char *akind;

	if (kind == CT_KIND_SOURCE || kind == CT_KIND_CLAIM) {
		if (revision == 1 && prev)
			return ct_error_set(
				CT_EINVALID, "%s: revision 1 must not have \"prev\"", rec);
		if (revision > 1 && !prev)
			return ct_error_set(CT_EINVALID, "%s: revision %lld must name its \"prev\"",
				rec, (long long)revision);
	}
	if (kind == CT_KIND_CLAIM) {
		const json_t *sel =
			json_object_get(json_object_get(record, "attribution"), "selector");
		if (sel &&
			json_integer_value(json_object_get(sel, "end")) <
				json_integer_value(json_object_get(sel, "start")))
			return ct_error_set(CT_EINVALID, "%s: selector ends before it starts", rec);
		if (sel && !json_object_get(json_object_get(record, "attribution"), "quote"))
			return ct_error_set(CT_EINVALID, "%s: a selector needs a \"quote\"", rec);
		{
			const json_t *link;
			size_t i;
			json_array_foreach (json_object_get(record, "sources"), i, link) {
				const json_t *lsel = json_object_get(link, "selector");
				if (lsel && !json_object_get(link, "quote"))
					return ct_error_set(CT_EINVALID,
						"%s: link %zu: a selector needs a \"quote\"", rec,
						i + 1);
				if (lsel &&
					json_integer_value(json_object_get(lsel, "end")) <
						json_integer_value(json_object_get(lsel, "start")))
					return ct_error_set(CT_EINVALID,
						"%s: link %zu: selector ends before it starts", rec,
						i + 1);
			}
		}
		{
			const json_t *q = json_object_get(record, "quantity");
			const char *low = json_string_value(json_object_get(q, "low"));
			const char *high = json_string_value(json_object_get(q, "high"));
			if (low && high && strtod(low, NULL) > strtod(high, NULL))
				return ct_error_set(CT_EINVALID,
					"%s: quantity.low %s is above quantity.high %s", rec, low,
					high);
		}
	}
	if (kind == CT_KIND_ANNOTATION) {
		akind = json_string_value(json_object_get(record, "kind"));
		if (strcmp(akind, "verdict") == 0 && !json_object_get(record, "verdict"))
			return ct_error_set(
				CT_EINVALID, "%s: a verdict annotation needs \"verdict\"", rec);
		if (strcmp(akind, "note") == 0 && !json_object_get(record, "note"))
			return ct_error_set(
				CT_EINVALID, "%s: a note annotation needs \"note\"", rec);
		if (strcmp(akind, "dispute") == 0 && !json_object_get(record, "dispute"))
			return ct_error_set(
				CT_EINVALID, "%s: a dispute annotation needs \"dispute\"", rec);
		if (strcmp(akind, "resolution") == 0 &&
			(!json_object_get(record, "resolves") ||
				!json_object_get(record, "outcome")))
			return ct_error_set(CT_EINVALID,
				"%s: a resolution needs \"resolves\" and \"outcome\"", rec);
		if (strcmp(akind, "verdict") != 0 && json_object_get(record, "verdict"))
			return ct_error_set(
				CT_EINVALID, "%s: only a verdict annotation has \"verdict\"", rec);
		if (strcmp(akind, "dispute") != 0 && json_object_get(record, "dispute"))
			return ct_error_set(
				CT_EINVALID, "%s: only a dispute annotation has \"dispute\"", rec);
		if (strcmp(akind, "resolution") != 0 &&
			(json_object_get(record, "resolves") || json_object_get(record, "outcome")))
			return ct_error_set(CT_EINVALID,
				"%s: only a resolution has \"resolves\" and \"outcome\"", rec);
	}
	return 0;
}

int ct_record_validate(const json_t *record)
{
	ct_kind kind;
	char rec[128];
	int error;

	if ((error = ct_record_kind(&kind, record)) < 0)
		return error;
	snprintf(rec, sizeof(rec), "%s %.80s", ct_kind_name(kind), ct_record_id(record));
	if ((error = check_fields(record, kind_fields[kind], rec, NULL)) < 0)
		return error;
	return check_rules(record, kind, rec);
}

int ct_record_body(ct_buf *out, const json_t *record)
{
	if (!json_is_object(record))
		return ct_error_set(CT_EINVALID, "a record must be a JSON object");
	return ct__json_canon_omit(out, record, "signatures");
}

int ct_record_digest(char *out, const json_t *record)
{
	ct_buf body = CT_BUF_INIT;
	int error;

	if ((error = ct_record_body(&body, record)) < 0)
		goto done;
	memcpy(out, "sha256:", 7);
	ct_sha256_hex(out + 7, (const uint8_t *)body.ptr, body.len);
done:
	ct_buf_free(&body);
	return error;
}

int ct_pae(ct_buf *out, const char *payload_type, const uint8_t *body, size_t len)
{
	int error;

	if ((error = ct_buf_printf(
		     out, "DSSEv1 %zu %s %zu ", strlen(payload_type), payload_type, len)) < 0)
		return error;
	return ct_buf_put(out, body, len);
}

int ct_annotation_id(char *out, const json_t *annotation, const char *signer_key_id)
{
	const char *kind = json_string_value(json_object_get(annotation, "kind"));
	ct_buf body = CT_BUF_INIT;
	json_t *copy = NULL;
	char hex[65];
	int n, error = 0;

	if (!kind || !signer_key_id)
		return ct_error_set(
			CT_EINVALID, "annotation: a kind and a signer are needed for its id");
	if (!(copy = json_copy((json_t *)annotation))) {
		error = ct__oom();
		goto done;
	}
	json_object_del(copy, "id");
	json_object_del(copy, "signatures");
	if ((error = ct_json_canon(&body, copy)) < 0 || (error = ct_buf_putc(&body, '\n')) < 0 ||
		(error = ct_buf_puts(&body, signer_key_id)) < 0)
		goto done;
	ct_sha256_hex(hex, (const uint8_t *)body.ptr, body.len);
	n = snprintf(out, CT_ID_MAX + 1, "%s-%.*s", kind, CT_ANNOTATION_HASH_LEN, hex);
	if (n < 0 || n > CT_ID_MAX)
		error = ct_error_set(CT_EINVALID, "annotation kind \"%.20s\" is too long", kind);
done:
	json_decref(copy);
	ct_buf_free(&body);
	return error;
}

void ct__record_label(char out[CT_LABEL_MAX], const json_t *record)
{
	ct_kind kind;
	const char *id = ct_record_id(record);
	const char *name = "record";

	if (ct_record_kind(&kind, record) == 0)
		name = ct_kind_name(kind);
	/* Truncation only shortens a message. */
	snprintf(out, CT_LABEL_MAX, "%s %.70s", name, id ? id : "(no id)");
}

int ct__record_signing_input(ct_buf *out, const json_t *record)
{
	ct_buf body = CT_BUF_INIT;
	ct_kind kind;
	int error;

	if ((error = ct_record_kind(&kind, record)) < 0)
		goto done;
	if ((error = ct_record_body(&body, record)) < 0)
		goto done;
	error = ct_pae(out, ct_kind_payload_type(kind), (const uint8_t *)body.ptr, body.len);
done:
	ct_buf_free(&body);
	return error;
}
