/* claimtrail compare: the figures of several claims about one quantity, side by side. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *unit;
	const char *tag;
	int json;
} compare_args;

static const cli_opt compare_opts[] = {
	CLI_STR("unit", 0, "U", "only quantities in unit U", compare_args, unit),
	CLI_STR("tag", 0, "T", "only claims tagged T", compare_args, tag),
	CLI_OPT_JSON("the comparison as JSON", compare_args, json),
	CLI_END,
};

static const char compare_usage[] =
	"usage: claimtrail compare [--unit U] [--tag T] [--json]\n"
	"       claimtrail compare ID... [--json]\n\n"
	"Lines up the claims about one quantity: each claim's figure with its bounds, hedges, date\n"
	"and attribution chain, and which of them disagree beyond their stated bounds. Without IDs,\n"
	"every claim with a quantity (of unit U, tagged T), one group per unit; with IDs, those\n"
	"claims and the ones they link with 'claim link A B --same-quantity', as one group.\n";

static const cli_cmd compare_cmd = {"compare", compare_usage, compare_opts};

static void print_bound(const json_t *v)
{
	char text[64], shown[2 * CT_AMOUNT_MAX];
	double d = json_real_value(v);

	if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
		snprintf(text, sizeof(text), "%.0f", d);
	else
		snprintf(text, sizeof(text), "%g", d);
	if (ct_amount_format(shown, sizeof(shown), text) < 0) {
		ct_error_clear();
		printf("%s", text);
		return;
	}
	printf("%s", shown);
}

static void print_group(const json_t *group, size_t n)
{
	const json_t *claims = json_object_get(group, "claims");
	const json_t *dis = json_object_get(group, "disagree");
	const char *unit = json_string_value(
		json_object_get(json_object_get(json_array_get(claims, 0), "quantity"), "unit"));
	size_t i, j;
	json_t *c, *h;

	printf("%squantity: %s (%zu claim%s)\n", n ? "\n" : "", unit ? unit : "(no unit)",
		json_array_size(claims), cli_s(json_array_size(claims)));
	json_array_foreach (claims, i, c) {
		const json_t *from = json_object_get(c, "from"), *to = json_object_get(c, "to");
		printf("  %s\n    figure:  ", json_string_value(json_object_get(c, "id")));
		cli_print_quantity(json_object_get(c, "quantity"));
		printf("\n    range:   ");
		if (from && to && json_real_value(from) == json_real_value(to)) {
			print_bound(from);
		} else {
			if (from)
				print_bound(from);
			else
				printf("...");
			printf(" to ");
			if (to)
				print_bound(to);
			else
				printf("...");
		}
		printf("\n    source:  ");
		cli_print_chain(json_object_get(c, "chain"));
		printf("\n    date:    %s\n",
			json_object_get(c, "date") ? json_string_value(json_object_get(c, "date"))
						   : "(not given)");
		if (json_array_size(json_object_get(c, "hedges"))) {
			printf("    hedges: ");
			json_array_foreach (json_object_get(c, "hedges"), j, h)
				printf("%s '%s'", j ? "," : "", json_string_value(h));
			printf("\n");
		}
	}
	json_array_foreach (claims, i, c) {
		const char *u =
			json_string_value(json_object_get(json_object_get(c, "quantity"), "unit"));
		if ((u == NULL) != (unit == NULL) || (u && strcmp(u, unit) != 0)) {
			printf("  units differ: the claims are linked as one quantity (claim link "
			       "--same-quantity)\n");
			break;
		}
	}
	if (json_array_size(claims) < 2)
		printf("  nothing to compare it with\n");
	else if (json_array_size(dis) == 0)
		printf("  agree within their stated bounds\n");
	json_array_foreach (dis, i, c)
		printf("  %sdisagree%s: %s and %s (their ranges do not meet)\n",
			cli_paint(CLI_BOLD_RED), cli_paint(CLI_RESET),
			json_string_value(json_object_get(c, "a")),
			json_string_value(json_object_get(c, "b")));
}

int cmd_compare(ct_cli *cli, int argc, char **argv)
{
	compare_args a = {NULL, NULL, 0};
	ct_compare_opts opts = CT_COMPARE_OPTS_INIT;
	ct_store *store = NULL;
	json_t *out = NULL, *g;
	ct_buf *bufs = NULL;
	const char **ids = NULL;
	size_t i, n = 0;
	int status, error = 0;

	if ((status = cli_parse(&compare_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	n = (size_t)(argc - optind);
	if (n && (a.unit || a.tag)) {
		status = cli_cmd_usage(&compare_cmd, "give IDs, or --unit and --tag, not both");
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0)
		goto done;
	if (n) {
		if (!(ids = calloc(n, sizeof(*ids))) || !(bufs = calloc(n, sizeof(*bufs)))) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			goto done;
		}
		for (i = 0; i < n; i++) {
			ids[i] = argv[optind + i];
			if ((error = cli_resolve_id(
				     &ids[i], &bufs[i], store, CT_KIND_CLAIM, NULL)) < 0)
				goto done;
		}
	}
	opts.unit = a.unit;
	opts.tag = a.tag;
	opts.ids = ids;
	opts.nids = n;
	if ((error = ct_compare(&out, store, &opts)) < 0)
		goto done;
	if (a.json) {
		cli_print_json(out);
	} else {
		if (json_array_size(json_object_get(out, "groups")) == 0)
			printf("no claim with a quantity to compare\n");
		json_array_foreach (json_object_get(out, "groups"), i, g)
			print_group(g, i);
	}
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	for (i = 0; bufs && i < n; i++)
		ct_buf_free(&bufs[i]);
	free(bufs);
	free(ids);
	json_decref(out);
	ct_store_free(store);
	return status;
}
