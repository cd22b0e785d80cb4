/*
 * Search: the words of claims and sources, ranked, from a derived index kept in the git
 * directory (never in the store's history). docs/search.md says what is indexed and how.
 */
#ifndef CLAIMTRAIL_SEARCH_H
#define CLAIMTRAIL_SEARCH_H

#include "common.h"
#include "record.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The fields a hit is made of, in the index's column order. */
typedef enum {
	CT_SEARCH_STATEMENT = 0, /* a claim's statement */
	CT_SEARCH_QUOTE,	 /* a claim's attribution.quote */
	CT_SEARCH_TAGS,		 /* a claim's tags, space-separated */
	CT_SEARCH_TITLE,	 /* a source's title and publisher */
	CT_SEARCH_NOTES,	 /* a claim's annotations: notes, dispute reasons */
	CT_SEARCH_REASONS,	 /* the current revision's reason */
	CT_SEARCH_FIELDS
} ct_search_field;

/* "statement", "quote", "tags", "title", "notes", "reasons". */
const char *ct_search_field_name(ct_search_field field);

#define CT_SEARCH_OPTS_VERSION 1
typedef struct {
	unsigned version;	/* CT_SEARCH_OPTS_VERSION (CT_SEARCH_OPTS_INIT sets it) */
	size_t limit;		/* the most hits (default 20; 0: all) */
	const char *mark_open;	/* put before each matching word (NULL: "[") */
	const char *mark_close; /* put after it (NULL: "]") */
} ct_search_opts;

#define CT_SEARCH_OPTS_INIT \
	{ \
		CT_SEARCH_OPTS_VERSION, 20, NULL, NULL \
	}

/* One hit; strings are borrowed for the duration of the callback. */
typedef struct {
	ct_kind kind; /* CT_KIND_CLAIM or CT_KIND_SOURCE */
	const char *id;
	double score;			    /* higher is better (the negated BM25 rank) */
	const char *text[CT_SEARCH_FIELDS]; /* each field with the matching words marked ("" when
					       * the record has none) */
	unsigned matched; /* bit (1u << field) set for each field a query word occurs in */
} ct_search_hit;

typedef int (*ct_search_fn)(const ct_search_hit *hit, void *payload);

/* What bringing the index up to the branch took (for the curious, and the tests). */
typedef struct {
	int rebuilt;	/* 1 when the index was made from nothing (missing, unreadable, old) */
	size_t updated; /* records (re)indexed or dropped this time */
	size_t records; /* records in the index */
} ct_search_info;

/*
 * Brings the search index of store up to the branch's current commit (building it when missing
 * or unreadable, else re-indexing only the claim and source folders whose tree changed), then
 * calls fn for each claim and source holding every word of query, best first (BM25; past 20,000
 * hits, those with every word in the statement first: docs/search.md). A word is a run
 * of letters and digits; everything else in query separates words and means nothing (there is
 * no query language); a query without a word matches nothing. info may be NULL.
 */
int ct_search(ct_search_info *info, ct_store *store, const char *query, const ct_search_opts *opts,
	ct_search_fn fn, void *payload);

/* Brings the index up to the branch without searching (what ct_search does first). */
int ct_search_index_update(ct_search_info *info, ct_store *store);

#ifdef __cplusplus
}
#endif

#endif
