/*
 * A Graphviz DOT digraph of the selected claims: a box per claim (its id, statement and status
 * as `list` derives it), an ellipse per source it cites (an edge "cites"), a diamond per dispute
 * that verifies (an edge "disputes" to the claim, "cites" to the dispute's source, labelled
 * with its resolution when there is one), and dashed "evidence" edges from a claim to the
 * sources its verdicts cite. docs/export.md.
 */
#include "export_internal.h"

#include <string.h>

/* A DOT quoted string: '"' and '\' escaped, line ends as \n, other control characters left
 * out; at most max code points of text, then "...". */
static int quoted(ct_buf *out, const char *s, size_t max)
{
	size_t n = 0;
	int error;

	if ((error = ct_buf_putc(out, '"')) < 0)
		return error;
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c & 0xc0) != 0x80 && ++n > max) {
			error = ct_buf_puts(out, "...");
			break;
		}
		if (c == '"' || c == '\\')
			error = ct_buf_printf(out, "\\%c", c);
		else if (c == '\n')
			error = ct_buf_puts(out, "\\n");
		else if (c < 0x20 || c == 0x7f)
			error = ct_buf_putc(out, ' ');
		else
			error = ct_buf_putc(out, (char)c);
		if (error < 0)
			return error;
	}
	return ct_buf_putc(out, '"');
}

static int node_id(ct_buf *out, const char *prefix, const char *id)
{
	int error;

	if ((error = ct_buf_printf(out, "\"%s:", prefix)) < 0)
		return error;
	return ct_buf_printf(out, "%s\"", id); /* ids are [a-z0-9-]: nothing to escape */
}

static int add_source(ct_buf *out, ct_store *store, json_t *done, const char *id)
{
	json_t *src = NULL;
	int error;

	if (json_object_get(done, id))
		return 0;
	json_object_set_new(done, id, json_true());
	if ((error = ct_store_get(&src, store, CT_KIND_SOURCE, id, 0)) < 0)
		return error;
	if ((error = ct_buf_puts(out, "  ")) == 0 && (error = node_id(out, "source", id)) == 0 &&
		(error = ct_buf_puts(out, " [shape=ellipse, label=")) == 0 &&
		(error = quoted(out, json_string_value(json_object_get(src, "title")), 60)) == 0 &&
		(error = ct_buf_puts(out, "];\n")) == 0)
		error = 0; /* the node is written */
	json_decref(src);
	return error;
}

static int edge(ct_buf *out, const char *from_kind, const char *from, const char *to_kind,
	const char *to, const char *label, const char *style)
{
	int error;

	if ((error = ct_buf_puts(out, "  ")) < 0 || (error = node_id(out, from_kind, from)) < 0 ||
		(error = ct_buf_puts(out, " -> ")) < 0 || (error = node_id(out, to_kind, to)) < 0 ||
		(error = ct_buf_puts(out, " [label=")) < 0 || (error = quoted(out, label, 40)) < 0)
		return error;
	if (style && (error = ct_buf_printf(out, ", style=%s", style)) < 0)
		return error;
	return ct_buf_puts(out, "];\n");
}

/* The outcome of the resolution of dispute, if any (borrowed), else "open". */
static const char *outcome_of(const json_t *annotations, const char *dispute)
{
	const json_t *a;
	const char *outcome = "open";
	size_t i;

	json_array_foreach (annotations, i, a)
		if (json_object_get(a, "resolves") &&
			strcmp(json_string_value(json_object_get(a, "resolves")), dispute) == 0)
			outcome = json_string_value(json_object_get(a, "outcome"));
	return outcome;
}

static int add_claim(
	ct_buf *out, ct_store *store, const ct__export_sel *sel, json_t *sources, const char *id)
{
	const json_t *s = json_object_get(sel->summaries, id);
	const char *source = json_string_value(json_object_get(s, "source"));
	json_t *annotations = NULL, *a;
	ct_buf label = CT_BUF_INIT, text = CT_BUF_INIT;
	size_t i;
	int error;

	if ((error = ct_buf_printf(&label, "%s [%s]\\n", id,
		     json_string_value(json_object_get(s, "status")))) < 0 ||
		(error = quoted(&text, json_string_value(json_object_get(s, "statement")), 80)) < 0)
		goto done;
	/* the statement's quotes, without their own quote marks, after the id line */
	if ((error = ct_buf_put(&label, text.ptr + 1, text.len - 2)) < 0 ||
		(error = ct_buf_puts(out, "  ")) < 0 || (error = node_id(out, "claim", id)) < 0 ||
		(error = ct_buf_printf(out, " [shape=box, label=\"%s\"];\n", label.ptr)) < 0 ||
		(error = add_source(out, store, sources, source)) < 0 ||
		(error = edge(out, "claim", id, "source", source, "cites", NULL)) < 0)
		goto done;
	if (!json_is_true(json_object_get(s, "verified")))
		goto done; /* its annotations build on a revision that does not verify */
	if ((error = ct_store_annotations(&annotations, store, id)) < 0 ||
		(error = ct__drop_unverified(annotations, store, sel->ring)) < 0)
		goto done;
	json_array_foreach (annotations, i, a) {
		const char *kind = json_string_value(json_object_get(a, "kind"));
		const json_t *d = json_object_get(a, "dispute"), *ev;
		const char *aid = ct_record_id(a);
		size_t j;
		json_array_foreach (json_object_get(a, "evidence"), j, ev) {
			if ((error = add_source(out, store, sources, json_string_value(ev))) < 0 ||
				(error = edge(out, "claim", id, "source", json_string_value(ev),
					 "evidence", "dashed")) < 0)
				goto done;
		}
		if (strcmp(kind, "dispute") != 0)
			continue;
		ct_buf_clear(&text);
		if ((error = ct_buf_printf(&text, "%s:%s", id, aid)) < 0 ||
			(error = ct_buf_puts(out, "  ")) < 0 ||
			(error = node_id(out, "dispute", text.ptr)) < 0 ||
			(error = ct_buf_puts(out, " [shape=diamond, label=")) < 0)
			goto done;
		ct_buf_clear(&label);
		if ((error = ct_buf_printf(&label, "dispute by %s (%s)",
			     json_string_value(json_object_get(d, "by")),
			     outcome_of(annotations, aid))) < 0 ||
			(error = quoted(out, label.ptr, 60)) < 0 ||
			(error = ct_buf_puts(out, "];\n")) < 0 ||
			(error = edge(out, "dispute", text.ptr, "claim", id, "disputes", NULL)) < 0)
			goto done;
		if (json_object_get(d, "source") &&
			((error = add_source(out, store, sources,
				  json_string_value(json_object_get(d, "source")))) < 0 ||
				(error = edge(out, "dispute", text.ptr, "source",
					 json_string_value(json_object_get(d, "source")), "cites",
					 NULL)) < 0))
			goto done;
	}
done:
	ct_buf_free(&label);
	ct_buf_free(&text);
	json_decref(annotations);
	return error;
}

int ct_export_dot(ct_buf *out, ct_store *store, const ct_export_opts *opts)
{
	ct__export_sel sel;
	json_t *sources = NULL, *id;
	size_t i;
	int error;

	if ((error = ct__export_select(&sel, store, opts)) < 0)
		return error;
	if (!(sources = json_object())) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct_buf_puts(out,
		     "digraph claimtrail {\n  rankdir=LR;\n"
		     "  node [fontname=\"sans-serif\"];\n")) < 0)
		goto done;
	json_array_foreach (sel.ids, i, id)
		if ((error = add_claim(out, store, &sel, sources, json_string_value(id))) < 0)
			goto done;
	error = ct_buf_puts(out, "}\n");
done:
	json_decref(sources);
	ct__export_sel_free(&sel);
	return error;
}
