/*
 * Numbers as fact-checkers write them ("7.6 million", "6.4m", "30%", "about 6,000"): reading one
 * into the decimal string a record keeps, finding the numbers a quote holds, and writing an
 * amount with digit separators.
 */
#include "error.h"
#include "claimtrail/record.h"

#include <ctype.h>
#include <string.h>

/* Words that scale the number before them; the one-letter forms only when attached ("6.4m"). */
static const struct {
	const char *word;
	int zeros;
	int attached;
} scales[] = {
	{"thousand", 3, 0},
	{"million", 6, 0},
	{"billion", 9, 0},
	{"trillion", 12, 0},
	{"mln", 6, 0},
	{"mn", 6, 0},
	{"bn", 9, 0},
	{"tn", 12, 0},
	{"k", 3, 1},
	{"m", 6, 1},
	{"b", 9, 1},
	{NULL, 0, 0},
};

/* Qualifiers a quantity may start with; kept as the qualifier. Longest first where one is a
 * prefix of another. */
static const char *const qualifiers[] = {"as many as", "as few as", "as much as", "more than",
	"less than", "fewer than", "up to", "at least", "at most", "close to", "just over",
	"just under", "approximately", "about", "around", "roughly", "nearly", "almost", "over",
	"under", "some", "an estimated", "estimated", NULL};

static int word_end(const char *s, size_t len, size_t i)
{
	return i >= len || !isalnum((unsigned char)s[i]);
}

static int match_word(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);

	return i + n <= len && strncasecmp(s + i, word, n) == 0 && word_end(s, len, i + n);
}

/*
 * Writes the decimal -?digits(.digits)? of sign, the integer and fraction digits, shifted left
 * by zeros places, with no leading or trailing zeros to spare. Returns -1 when it does not fit.
 */
static int normalise(char *out, size_t size, int neg, const char *ip, size_t ilen, const char *fp,
	size_t flen, int zeros)
{
	char digits[128];
	size_t n = 0, point, start = 0, end, o = 0, i;

	if (ilen + flen + (size_t)zeros + 1 >= sizeof(digits))
		return -1;
	for (i = 0; i < ilen; i++)
		if (ip[i] != ',')
			digits[n++] = ip[i];
	point = n + (size_t)zeros;
	for (i = 0; i < flen; i++)
		digits[n++] = fp[i];
	while (n < point)
		digits[n++] = '0';
	while (start + 1 < point && digits[start] == '0')
		start++;
	end = n;
	while (end > point && digits[end - 1] == '0')
		end--;
	if (end - start + 3 > size)
		return -1;
	if (neg && !(end - start == 1 && digits[start] == '0'))
		out[o++] = '-';
	for (i = start; i < end; i++) {
		if (i == point)
			out[o++] = '.';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return 0;
}

/*
 * Reads the number at s[i]: -?digits, with "," before each group of three, .digits, then a
 * scale word. Writes its value into scaled and, unscaled, into plain. Returns the offset after
 * it, or 0 when there is no number at i.
 */
static size_t scan_number(
	char *scaled, char *plain, size_t size, const char *s, size_t len, size_t i, int *percent)
{
	size_t ip, ilen, fp = 0, flen = 0, j, k;
	int neg = 0, zeros = 0, grouped = 0;

	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	if (i >= len || !isdigit((unsigned char)s[i]))
		return 0;
	ip = i;
	while (i < len && isdigit((unsigned char)s[i]))
		i++;
	/* thousands separators: exactly three digits after each comma */
	while (i + 3 < len && s[i] == ',' && isdigit((unsigned char)s[i + 1]) &&
		isdigit((unsigned char)s[i + 2]) && isdigit((unsigned char)s[i + 3]) &&
		(i + 4 >= len || !isdigit((unsigned char)s[i + 4])) && (grouped || i - ip <= 3)) {
		grouped = 1;
		i += 4;
	}
	ilen = i - ip;
	if (i + 1 < len && s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
		fp = ++i;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
		flen = i - fp;
	}
	/* a scale word: attached or after one space */
	for (k = 0; scales[k].word; k++) {
		if (match_word(s, len, i, scales[k].word)) {
			zeros = scales[k].zeros;
			i += strlen(scales[k].word);
			break;
		}
		if (!scales[k].attached && i < len && s[i] == ' ' &&
			match_word(s, len, i + 1, scales[k].word)) {
			zeros = scales[k].zeros;
			i += 1 + strlen(scales[k].word);
			break;
		}
	}
	if (zeros == 0 && i < len && isalnum((unsigned char)s[i]))
		return 0; /* "6x", "3rd": not a number */
	*percent = 0;
	j = i;
	if (j < len && s[j] == ' ')
		j++;
	if (j < len && s[j] == '%') {
		*percent = 1;
		i = j + 1;
	} else if (match_word(s, len, j, "percent")) {
		*percent = 1;
		i = j + 7;
	} else if (match_word(s, len, j, "per cent")) {
		*percent = 1;
		i = j + 8;
	}
	if (normalise(scaled, size, neg, s + ip, ilen, s + fp, flen, zeros) < 0 ||
		normalise(plain, size, neg, s + ip, ilen, s + fp, flen, 0) < 0)
		return 0;
	return i;
}

int ct_quantity_parse(ct_quantity_parsed *out, const char *text)
{
	char plain[CT_AMOUNT_MAX + 1];
	size_t len = strlen(text), i = 0, end, k, n;

	memset(out, 0, sizeof(*out));
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	while (len > i && isspace((unsigned char)text[len - 1]))
		len--;
	for (k = 0; qualifiers[k]; k++) {
		n = strlen(qualifiers[k]);
		if (match_word(text, len, i, qualifiers[k]) && i + n < len && text[i + n] == ' ') {
			memcpy(out->qualifier, text + i, n);
			out->qualifier[n] = '\0';
			i += n + 1;
			break;
		}
	}
	end = scan_number(out->amount, plain, sizeof(out->amount), text, len, i, &out->percent);
	if (end == 0 || end != len) {
		memset(out, 0, sizeof(*out));
		return ct_error_set(CT_EINVALID,
			"quantity \"%.40s\" is not a number (write it as 6000, 6,000, 2.5, "
			"7.6 million, 6.4m, 30%% or about 6,000)",
			text);
	}
	return 0;
}

int ct_quantity_in_text(const char *amount, const char *text)
{
	char want[CT_AMOUNT_MAX + 1], plain[CT_AMOUNT_MAX + 1];
	char scaled[CT_AMOUNT_MAX + 1], unscaled[CT_AMOUNT_MAX + 1];
	size_t len, alen, i, end;
	int percent;

	if (!amount || !text)
		return 0;
	len = strlen(text);
	alen = strlen(amount);

	/* the amount as records keep it, normalised the same way ("6000.0" is 6000) */
	if (scan_number(want, plain, sizeof(want), amount, alen, 0, &percent) != alen)
		return 0;
	for (i = 0; i < len; i++) {
		/* a number starts at a digit that does not continue a word or another number */
		if (!isdigit((unsigned char)text[i]) ||
			(i > 0 &&
				(isalnum((unsigned char)text[i - 1]) || text[i - 1] == '.' ||
					text[i - 1] == ',')) ||
			(i > 1 && text[i - 1] == '-' && isalpha((unsigned char)text[i - 2])))
			continue; /* "v1.2", "COVID-19" */
		if (i > 0 && text[i - 1] == '-' && (i < 2 || !isalnum((unsigned char)text[i - 2])))
			i--;
		end = scan_number(scaled, unscaled, sizeof(scaled), text, len, i, &percent);
		if (end > 0 && (strcmp(scaled, want) == 0 || strcmp(unscaled, want) == 0))
			return 1;
		if (text[i] == '-')
			i++;
		while (i + 1 < len &&
			(isdigit((unsigned char)text[i + 1]) || text[i + 1] == ',' ||
				text[i + 1] == '.'))
			i++;
	}
	return 0;
}

int ct_amount_format(char *out, size_t size, const char *amount)
{
	size_t len, i = 0, digits, o = 0, k;

	if (!amount) {
		if (size > 0)
			out[0] = '\0';
		return ct_error_set(CT_EINVALID, "no amount to format");
	}
	len = strlen(amount);

	if (i < len && amount[i] == '-') {
		if (o + 1 < size)
			out[o++] = '-';
		i++;
	}
	for (digits = 0; i + digits < len && isdigit((unsigned char)amount[i + digits]); digits++)
		;
	for (k = 0; k < digits; k++) {
		if (k > 0 && (digits - k) % 3 == 0 && o + 1 < size)
			out[o++] = ',';
		if (o + 1 < size)
			out[o++] = amount[i + k];
	}
	for (i += digits; i < len; i++)
		if (o + 1 < size)
			out[o++] = amount[i];
	if (size > 0)
		out[o < size ? o : size - 1] = '\0';
	return o + 1 < size ? 0 : ct_error_set(CT_EINVALID, "amount \"%.40s\" is too long", amount);
}

/* Hedging words (docs/format.md 5.3, "hedges"), longest first where one starts another; those
 * marked numeric count only before a number ("about 6,000", not "about the attack"). */
static const struct {
	const char *words;
	int numeric;
} hedge_words[] = {
	{"as many as", 0},
	{"as few as", 0},
	{"as much as", 0},
	{"up to", 1},
	{"at least", 0},
	{"at most", 0},
	{"more than", 1},
	{"fewer than", 1},
	{"less than", 1},
	{"an estimated", 0},
	{"estimated", 1},
	{"approximately", 0},
	{"roughly", 0},
	{"nearly", 1},
	{"almost", 1},
	{"about", 1},
	{"around", 1},
	{"may have", 0},
	{"might have", 0},
	{"could have", 0},
	{"may be", 0},
	{"might be", 0},
	{"reportedly", 0},
	{"allegedly", 0},
	{"apparently", 0},
	{"according to", 0},
	{"possibly", 0},
	{"probably", 0},
	{"likely", 0},
	{NULL, 0},
};

int ct_hedges_find(json_t **out, const char *text)
{
	size_t len, i, k, n;
	json_t *found;

	*out = NULL;
	if (!text)
		return ct_error_set(CT_EINVALID, "no text to find hedges in");
	if (!(found = json_array()))
		return ct_error_set(CT_ENOMEM, "out of memory");
	len = strlen(text);
	for (i = 0; i < len; i++) {
		if (i > 0 && isalnum((unsigned char)text[i - 1]))
			continue; /* hedges start a word */
		for (k = 0; hedge_words[k].words; k++) {
			const char *w = hedge_words[k].words;
			size_t j, seen = 0;
			json_t *h;
			n = strlen(w);
			if (!match_word(text, len, i, w))
				continue;
			if (hedge_words[k].numeric) {
				j = i + n;
				while (j < len && text[j] == ' ')
					j++;
				if (j >= len || !isdigit((unsigned char)text[j]))
					continue;
			}
			json_array_foreach (found, j, h)
				seen |= strcmp(json_string_value(h), w) == 0;
			if (!seen && json_array_append_new(found, json_string(w)) < 0) {
				json_decref(found);
				return ct_error_set(CT_ENOMEM, "out of memory");
			}
			i += n - 1;
			break;
		}
	}
	*out = found;
	return 0;
}
