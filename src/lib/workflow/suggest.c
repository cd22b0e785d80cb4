/*
 * Suggestions: the sentences of an article worth checking. Splits prose into sentences
 * (leaving abbreviations such as "U.S." and "Feb." and decimals such as "2.5" alone), skips
 * boilerplate lines, and scores each sentence by its cues: quantities, attributions,
 * superlatives and dates. The heuristics are documented in docs/workflow.md, "Suggestions";
 * they are deliberately simple and explainable, since every pick says why it was made.
 */
#include "claimtrail/workflow.h"
#include "error.h"
#include "utf8.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A sentence scoring at least this much is suggested (a quantity alone is enough). */
#define PICK_SCORE 2

/* Is there a (possibly typographic) closing quote or bracket at s[i]? Its length, or 0. */
static size_t closer_at(const char *s, size_t len, size_t i)
{
	if (i < len && (s[i] == '"' || s[i] == '\'' || s[i] == ')' || s[i] == ']'))
		return 1;
	if (i + 2 < len && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
		((unsigned char)s[i + 2] == 0x99 || (unsigned char)s[i + 2] == 0x9d))
		return 3;
	return 0;
}

static int is_opener(const char *s, size_t len, size_t i)
{
	if (i >= len)
		return 0;
	if (s[i] == '"' || s[i] == '\'' || s[i] == '(' || s[i] == '[')
		return 1;
	return i + 2 < len && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
		((unsigned char)s[i + 2] == 0x98 || (unsigned char)s[i + 2] == 0x9c);
}

/*
 * A double quotation mark at s[i]: 1 opening (U+201C, or '"' at the start of the text or after
 * white space or an opening bracket), -1 closing (U+201D, or any other '"'), 0 none. *n receives
 * its length. Single quotes are left alone: ' and U+2019 are apostrophes as often as quotes.
 */
static int quote_mark(const char *s, size_t len, size_t i, size_t *n)
{
	const unsigned char *u = (const unsigned char *)s;

	*n = 1;
	if (i < len && s[i] == '"')
		return i == 0 || isspace(u[i - 1]) || s[i - 1] == '(' || s[i - 1] == '[' ? 1 : -1;
	*n = 3;
	if (i + 2 < len && u[i] == 0xe2 && u[i + 1] == 0x80 &&
		(u[i + 2] == 0x9c || u[i + 2] == 0x9d))
		return u[i + 2] == 0x9c ? 1 : -1;
	*n = 0;
	return 0;
}

/*
 * The quotation marks of [a, b) without a partner inside it: *closer the last closing mark
 * whose opening mark is before a, *opener the first opening mark whose closing mark is at or
 * after b; (size_t)-1 when there is none. Marks pair up innermost first.
 */
static void unpaired_marks(size_t *opener, size_t *closer, const char *s, size_t a, size_t b)
{
	size_t open[8], depth = 0, i = a, n;

	*opener = *closer = (size_t)-1;
	while (i < b) {
		int m = quote_mark(s, b, i, &n);
		if (m > 0) {
			if (depth < sizeof(open) / sizeof(open[0]))
				open[depth] = i;
			depth++;
		} else if (m < 0) {
			if (depth > 0)
				depth--;
			else
				*closer = i;
		}
		i += n ? n : 1;
	}
	if (depth > 0)
		*opener = open[0];
}

static const char *const abbreviations[] = {"mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr",
	"gen", "col", "lt", "sgt", "capt", "cmdr", "gov", "sen", "rep", "rev", "hon", "pres", "inc",
	"ltd", "co", "corp", "no", "nos", "vs", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
	"sep", "sept", "oct", "nov", "dec", "mt", "ft", "approx", "fig", "vol", "p", "pp", "al",
	NULL};

/* Does the word that ends just before the period at s[dot] keep the sentence going? */
static int abbreviation_before(const char *s, size_t start, size_t dot)
{
	size_t b = dot, i;
	char word[16];
	size_t n;

	while (b > start && (isalpha((unsigned char)s[b - 1]) || s[b - 1] == '.'))
		b--;
	n = dot - b;
	if (n == 0)
		return 0;
	if (memchr(s + b, '.', n))
		return 1; /* U.S., e.g., a.m. */
	if (n == 1 && isupper((unsigned char)s[b]))
		return 1; /* an initial: J. Smith */
	if (n >= sizeof(word))
		return 0;
	for (i = 0; i < n; i++)
		word[i] = (char)tolower((unsigned char)s[b + i]);
	word[n] = '\0';
	for (i = 0; abbreviations[i]; i++)
		if (strcmp(word, abbreviations[i]) == 0)
			return 1;
	return 0;
}

/* Calls fn for each sentence [a, b) of the paragraph [start, end). */
typedef int (*sentence_fn)(const char *text, size_t a, size_t b, void *payload);

static int split_sentences(const char *s, size_t start, size_t end, sentence_fn fn, void *payload)
{
	size_t i = start, from = start, last_close = (size_t)-1, scanned = start, depth = 0, n;
	int error;

	/* A sentence does not end inside a quotation that closes later in the paragraph. */
	for (i = start; i < end; i += n ? n : 1)
		if (quote_mark(s, end, i, &n) < 0)
			last_close = i;
	i = start;
	while (i < end) {
		size_t term = 0, j, k;
		if (s[i] == '.' || s[i] == '!' || s[i] == '?')
			term = 1;
		else if (i + 2 < end && (unsigned char)s[i] == 0xe2 &&
			(unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0xa6)
			term = 3; /* … */
		if (!term) {
			i++;
			continue;
		}
		j = i + term;
		while (j < end && (s[j] == '.' || s[j] == '!' || s[j] == '?'))
			j++;
		for (k = closer_at(s, end, j); k; k = closer_at(s, end, j))
			j += k;
		if (j < end && !isspace((unsigned char)s[j])) {
			i = j; /* 2.5, example.com, "2019.JIM" */
			continue;
		}
		k = j;
		while (k < end && isspace((unsigned char)s[k]))
			k++;
		if (k < end &&
			!(isupper((unsigned char)s[k]) || isdigit((unsigned char)s[k]) ||
				is_opener(s, end, k) || (unsigned char)s[k] >= 0x80)) {
			i = j;
			continue; /* the next word is lowercase: not a sentence end */
		}
		if (s[i] == '.' && term == 1 && j == i + 1 && abbreviation_before(s, from, i)) {
			i = j;
			continue;
		}
		for (; scanned < j; scanned += n ? n : 1) {
			int m = quote_mark(s, end, scanned, &n);
			if (m > 0)
				depth++;
			else if (m < 0 && depth > 0)
				depth--;
		}
		if (depth > 0 && last_close != (size_t)-1 && last_close >= j) {
			i = j;
			continue;
		}
		if ((error = fn(s, from, j, payload)) != 0)
			return error;
		from = k;
		i = k;
		scanned = k;
		depth = 0;
	}
	while (from < end && isspace((unsigned char)s[from]))
		from++;
	if (from < end)
		return fn(s, from, end, payload);
	return 0;
}

/* ---- cues ---- */

typedef struct {
	json_t *reasons;
	int score;
	int attributions;
	int quantity, superlative, date;
	size_t first_quantity; /* byte offset in the sentence of the first quantity, or -1 */
} cues;

static int add_reason(cues *c, const char *kind, const char *s, size_t a, size_t b)
{
	json_t *r = json_pack("{s:s, s:s%}", "kind", kind, "match", s + a, b - a);
	size_t i;
	json_t *item;

	if (!r)
		return ct__oom();
	json_array_foreach (c->reasons, i, item) {
		if (json_equal(item, r)) {
			json_decref(r);
			return 0;
		}
	}
	return json_array_append_new(c->reasons, r) < 0 ? ct__oom() : 0;
}

/* Word boundaries: ASCII letters and digits make words. */
static int is_wordc(int c)
{
	return isalnum((unsigned char)c) || c == '-';
}

/* Does phrase (lowercase ASCII, words separated by one space) start at s[i] as whole words? */
static size_t phrase_at(const char *s, size_t len, size_t i, const char *phrase)
{
	size_t n = strlen(phrase);

	if (i > 0 && is_wordc(s[i - 1]))
		return 0;
	if (i + n > len || strncasecmp(s + i, phrase, n) != 0)
		return 0;
	if (i + n < len && is_wordc(s[i + n]))
		return 0;
	return n;
}

/* The words just before a number that qualify it: "more than", "nearly", "as many as", ... */
static const char *const qualifiers[] = {"more than", "less than", "fewer than", "at least",
	"at most", "as many as", "as few as", "as much as", "up to", "nearly", "almost", "about",
	"around", "approximately", "roughly", "just over", "just under", "over", "under", "some",
	"an estimated", "estimated", "close to", "upwards of", NULL};

static size_t qualifier_before(const char *s, size_t at)
{
	size_t i;

	for (i = 0; qualifiers[i]; i++) {
		size_t n = strlen(qualifiers[i]);
		if (at >= n + 1 && s[at - 1] == ' ' &&
			phrase_at(s, at - 1, at - 1 - n, qualifiers[i]))
			return at - 1 - n;
	}
	return at;
}

static const char *const quantity_words[] = {"hundred", "hundreds", "thousand", "thousands",
	"million", "millions", "billion", "billions", "dozen", "dozens", "per cent", "percent",
	NULL};
static const char *const attribution_words[] = {"according to", "said", "says", "told", "estimated",
	"estimates", "reported", "noted", "warned", "documented", "confirmed", "claimed", "stated",
	"announced", "observed", "insisted", "denied", "denies", "alleged", "concluded", "revealed",
	"acknowledged", "admitted", "questioned", "disputed", NULL};
static const char *const superlative_words[] = {"deadliest", "largest", "biggest", "greatest",
	"highest", "lowest", "worst", "longest", "oldest", "fastest", "strongest", "smallest",
	"bloodiest", "costliest", "heaviest", "most deadly", "record", "unprecedented", NULL};
static const char *const date_words[] = {"january", "february", "march", "april", "june", "july",
	"august", "september", "october", "november", "december", "jan.", "feb.", "mar.", "apr.",
	"aug.", "sept.", "sep.", "oct.", "nov.", "dec.", "monday", "tuesday", "wednesday",
	"thursday", "friday", "saturday", "sunday", NULL};

static size_t match_list(const char *s, size_t len, size_t i, const char *const *list)
{
	size_t k, n;

	for (k = 0; list[k]; k++) {
		n = strlen(list[k]);
		/* entries ending in '.' end at the period, not at a word boundary */
		if (list[k][n - 1] == '.') {
			if ((i == 0 || !is_wordc(s[i - 1])) && i + n <= len &&
				strncasecmp(s + i, list[k], n) == 0)
				return n;
		} else if ((n = phrase_at(s, len, i, list[k])) > 0) {
			return n;
		}
	}
	return 0;
}

static int find_cues(cues *c, const char *s, size_t len)
{
	size_t i = 0, n;
	int error;

	c->first_quantity = (size_t)-1;
	while (i < len) {
		if (i > 0 && is_wordc(s[i - 1])) {
			i++;
			continue;
		}
		if (isdigit((unsigned char)s[i])) {
			size_t j = i, digits = 0;
			int comma = 0, year;
			while (j < len &&
				(isdigit((unsigned char)s[j]) ||
					((s[j] == ',' || s[j] == '.') && j + 1 < len &&
						isdigit((unsigned char)s[j + 1])))) {
				if (s[j] == ',')
					comma = 1;
				digits += isdigit((unsigned char)s[j]) ? 1 : 0;
				j++;
			}
			if (j < len && isalpha((unsigned char)s[j]) && s[j] != 's') {
				i = j; /* 21st, 3rd, 9mm: not a count */
				continue;
			}
			if (!comma && digits <= 2 && j == i + digits && j + 1 < len &&
				s[j] == ' ' && match_list(s, len, j + 1, date_words) > 0) {
				size_t m = match_list(s, len, j + 1, date_words);
				if ((error = add_reason(c, "date", s, i, j + 1 + m)) < 0)
					return error;
				c->date = 1;
				i = j + 1 + m;
				continue;
			}
			year = !comma && digits == 4 && j - i == 4 &&
				(strncmp(s + i, "18", 2) == 0 || strncmp(s + i, "19", 2) == 0 ||
					strncmp(s + i, "20", 2) == 0);
			if (year && qualifier_before(s, i) == i) {
				if ((error = add_reason(c, "date", s, i, j)) < 0)
					return error;
				c->date = 1;
			} else {
				size_t q = qualifier_before(s, i);
				if (j < len && s[j] == '%')
					j++;
				else if ((n = phrase_at(s, len, j + 1, "per cent")) > 0 &&
					s[j] == ' ')
					j += 1 + n;
				if ((error = add_reason(c, "quantity", s, q, j)) < 0)
					return error;
				if (!c->quantity)
					c->first_quantity = q;
				c->quantity = 1;
			}
			i = j;
			continue;
		}
		if ((n = match_list(s, len, i, quantity_words)) > 0) {
			size_t q = qualifier_before(s, i);
			if ((error = add_reason(c, "quantity", s, q, i + n)) < 0)
				return error;
			if (!c->quantity)
				c->first_quantity = q;
			c->quantity = 1;
		} else if ((n = match_list(s, len, i, attribution_words)) > 0) {
			if ((error = add_reason(c, "attribution", s, i, i + n)) < 0)
				return error;
			c->attributions++;
		} else if ((n = match_list(s, len, i, superlative_words)) > 0) {
			if ((error = add_reason(c, "superlative", s, i, i + n)) < 0)
				return error;
			c->superlative = 1;
		} else if ((n = match_list(s, len, i, date_words)) > 0 ||
			(phrase_at(s, len, i, "may") && i + 4 < len && s[i + 3] == ' ' &&
				isdigit((unsigned char)s[i + 4]) && (n = 3) > 0)) {
			/* "Feb. 15": the day belongs to the date */
			size_t d = i + n + 1;
			if (d < len && s[d - 1] == ' ' && isdigit((unsigned char)s[d]) &&
				(d + 1 >= len || !isdigit((unsigned char)s[d + 1]) ||
					d + 2 >= len || !isdigit((unsigned char)s[d + 2])))
				n = d + (d + 1 < len && isdigit((unsigned char)s[d + 1]) ? 2 : 1) -
					i;
			if ((error = add_reason(c, "date", s, i, i + n)) < 0)
				return error;
			c->date = 1;
		} else {
			n = 1;
		}
		i += n;
	}
	c->score = (c->quantity ? 2 : 0) + (c->attributions > 2 ? 2 : c->attributions) +
		c->superlative + c->date;
	return 0;
}

/* Leaves out white space at both ends and the final punctuation ('.', ',', ';', ':'). */
static void trim_span(size_t *from, size_t *to, const char *s)
{
	while (*from < *to && isspace((unsigned char)s[*from]))
		(*from)++;
	while (*to > *from &&
		(s[*to - 1] == '.' || s[*to - 1] == ',' || s[*to - 1] == ';' || s[*to - 1] == ':' ||
			isspace((unsigned char)s[*to - 1])))
		(*to)--;
}

/* The part of the sentence to quote: the clause holding the first quantity, when it says
 * enough on its own; else the sentence. Trailing punctuation is left out. */
static void quote_span(size_t *qa, size_t *qb, const char *s, size_t a, size_t b, const cues *c)
{
	size_t from = a, to = b, i;
	size_t q = c->first_quantity == (size_t)-1 ? (size_t)-1 : a + c->first_quantity;

	if (q != (size_t)-1) {
		size_t at = q;
		for (i = at; i > a; i--) {
			if ((s[i - 1] == ',' || s[i - 1] == ';') && s[i] == ' ') {
				from = i + 1;
				break;
			}
		}
		for (i = at; i + 1 < b; i++) {
			if ((s[i] == ',' || s[i] == ';') && s[i + 1] == ' ') {
				to = i;
				break;
			}
		}
		if (ct__utf8_count(s + from, to - from) < 40) {
			from = a;
			to = b;
		}
	}
	trim_span(&from, &to, s);
	/* A quotation mark whose partner is outside the quote is cut off, with the side of it
	 * that holds the first quantity kept (else the quoted words, inside the marks). */
	*qa = from;
	*qb = to;
	for (;;) {
		size_t opener, closer, n;
		unpaired_marks(&opener, &closer, s, from, to);
		if (closer != (size_t)-1) {
			quote_mark(s, to, closer, &n);
			if (q == (size_t)-1 || q < closer)
				to = closer;
			else
				from = closer + n;
		} else if (opener != (size_t)-1) {
			quote_mark(s, to, opener, &n);
			if (q == (size_t)-1 || q >= opener + n)
				from = opener + n;
			else
				to = opener;
		} else {
			break;
		}
		trim_span(&from, &to, s);
	}
	/* A quote that ends with a quotation holding the quantity is the quoted words: without
	 * the marks, and so without the final punctuation inside them. */
	if (from < to && q != (size_t)-1) {
		size_t open[8], depth = 0, i = from, n, closing = 0;
		while (i < to) {
			int m = quote_mark(s, to, i, &n);
			if (m > 0 && depth < sizeof(open) / sizeof(open[0]))
				open[depth++] = i;
			else if (m < 0 && depth > 0 && i + n == to)
				closing = n;
			else if (m < 0 && depth > 0)
				depth--;
			i += n ? n : 1;
		}
		if (closing && quote_mark(s, to, open[depth - 1], &n) > 0 &&
			q >= open[depth - 1] + n && q < to - closing) {
			size_t f = open[depth - 1] + n, t = to - closing;
			trim_span(&f, &t, s);
			if (f < t) {
				from = f;
				to = t;
			}
		}
	}
	if (from < to) {
		*qa = from;
		*qb = to;
	}
}

typedef struct {
	json_t *out;
	size_t counted;	  /* bytes counted so far */
	size_t chars;	  /* code points before `counted` */
	size_t sentences; /* sentences seen */
} suggest_state;

static size_t char_offset(suggest_state *st, const char *text, size_t byte)
{
	st->chars += ct__utf8_count(text + st->counted, byte - st->counted);
	st->counted = byte;
	return st->chars;
}

static int on_sentence(const char *text, size_t a, size_t b, void *payload)
{
	suggest_state *st = payload;
	cues c;
	size_t qa, qb, start, end, qstart, qend;
	json_t *item;
	int error;

	st->sentences++;
	/* A quotation that began in an earlier paragraph, or ends in a later one, leaves a mark
	 * without its partner at an end of the sentence: the statement leaves it out. */
	{
		size_t opener, closer, n;
		unpaired_marks(&opener, &closer, text, a, b);
		if (opener == a && quote_mark(text, b, a, &n) > 0)
			for (a += n; a < b && isspace((unsigned char)text[a]); a++)
				;
		unpaired_marks(&opener, &closer, text, a, b);
		if (closer != (size_t)-1 && quote_mark(text, b, closer, &n) < 0 && closer + n == b)
			b = closer;
	}
	memset(&c, 0, sizeof(c));
	if (!(c.reasons = json_array()))
		return ct__oom();
	if ((error = find_cues(&c, text + a, b - a)) < 0 || c.score < PICK_SCORE) {
		json_decref(c.reasons);
		return error;
	}
	quote_span(&qa, &qb, text, a, b, &c);
	start = char_offset(st, text, a);
	qstart = char_offset(st, text, qa);
	qend = char_offset(st, text, qb);
	end = char_offset(st, text, b);
	item = json_pack("{s:I, s:I, s:s%, s:o, s:{s:I, s:I, s:s%}}", "start", (json_int_t)start,
		"end", (json_int_t)end, "text", text + a, b - a, "reasons", c.reasons, "quote",
		"start", (json_int_t)qstart, "end", (json_int_t)qend, "text", text + qa, qb - qa);
	if (!item)
		return ct__oom();
	{
		/* the hedges of the sentence, proposed for the claim (docs/format.md 5.3) */
		json_t *hedges = NULL;
		char *sentence = strndup(text + a, b - a);
		int error = sentence ? ct_hedges_find(&hedges, sentence) : ct__oom();
		free(sentence);
		if (error == 0 && json_array_size(hedges))
			json_object_set(item, "hedges", hedges);
		json_decref(hedges);
		if (error < 0) {
			json_decref(item);
			return error;
		}
	}
	if (json_array_append_new(st->out, item) < 0)
		return ct__oom();
	return 0;
}

/* Ends with what ends a sentence, allowing closing quotes and brackets after it. */
static int ends_sentence(const char *s, size_t a, size_t b)
{
	const unsigned char *u = (const unsigned char *)s;

	for (;;) {
		if (b > a &&
			(s[b - 1] == '"' || s[b - 1] == '\'' || s[b - 1] == ')' || s[b - 1] == ']'))
			b--;
		else if (b - a >= 3 && u[b - 3] == 0xe2 && u[b - 2] == 0x80 &&
			(u[b - 1] == 0x99 || u[b - 1] == 0x9d))
			b -= 3;
		else
			break;
	}
	if (b > a && (s[b - 1] == '.' || s[b - 1] == '!' || s[b - 1] == '?'))
		return 1;
	return b - a >= 3 && u[b - 3] == 0xe2 && u[b - 2] == 0x80 && u[b - 1] == 0xa6;
}

static size_t words_in(const char *s, size_t a, size_t b)
{
	size_t n = 0, i;

	for (i = a; i < b; i++)
		if (!isspace((unsigned char)s[i]) && (i == a || isspace((unsigned char)s[i - 1])))
			n++;
	return n;
}

int ct_suggest(json_t **out, size_t *sentences, const char *text, size_t len)
{
	suggest_state st = {NULL, 0, 0, 0};
	size_t i = 0, bad = 0, para = (size_t)-1, para_end = 0;
	int error = 0;

	*out = NULL;
	if (sentences)
		*sentences = 0;
	if (!ct__utf8_valid((const uint8_t *)text, len, &bad))
		return ct_error_set(CT_EINVALID, "the text is not valid UTF-8 (byte %zu)", bad);
	if (!(st.out = json_array()))
		return ct__oom();
	/* Paragraphs are runs of lines between blank lines. A short line that does not end a
	 * sentence ("Skip to main content") is boilerplate and breaks the paragraph; a paragraph
	 * that does not end a sentence (a caption, a heading) is not prose. */
	for (;;) {
		const char *nl = i < len ? memchr(text + i, '\n', len - i) : NULL;
		size_t e = nl ? (size_t)(nl - text) : len;
		size_t a = i, b = e;
		int blank, boiler;
		while (a < b && isspace((unsigned char)text[a]))
			a++;
		while (b > a && isspace((unsigned char)text[b - 1]))
			b--;
		blank = a == b;
		boiler = !blank && !ends_sentence(text, a, b) && words_in(text, a, b) < 8;
		if (blank || boiler || !nl) {
			if (!blank && !boiler) {
				if (para == (size_t)-1)
					para = a;
				para_end = b;
			}
			if (para != (size_t)-1 && ends_sentence(text, para, para_end) &&
				(error = split_sentences(text, para, para_end, on_sentence, &st)) <
					0)
				goto done;
			para = (size_t)-1;
		} else {
			if (para == (size_t)-1)
				para = a;
			para_end = b;
		}
		if (!nl)
			break;
		i = e + 1;
	}
	if (sentences)
		*sentences = st.sentences;
	*out = st.out;
	st.out = NULL;
done:
	json_decref(st.out);
	return error;
}
