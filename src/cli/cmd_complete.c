/* claimtrail __complete WHAT [CLAIM]: the words the bash and zsh completion scripts offer
 * (completion/), one a line. Not listed in the usage: a helper for the scripts, not a command.
 * It prints nothing and exits 0 when there is nothing to offer (no store, no such claim). */
#include "cli.h"

#include <string.h>

static int print_id(const char *id, void *payload)
{
	(void)payload;
	printf("%s\n", id);
	return 0;
}

static int store_ids(ct_cli *cli, ct_kind kind, const char *claim)
{
	ct_store *store = NULL;
	json_t *list = NULL, *item;
	ct_buf whole = CT_BUF_INIT;
	size_t i;

	if (cli_open_store(&store, cli) < 0)
		goto done;
	if (kind != CT_KIND_ANNOTATION) {
		ct_store_foreach_id(store, kind, print_id, NULL);
		goto done;
	}
	if (ct_store_resolve_id(&whole, store, CT_KIND_CLAIM, NULL, claim) < 0 ||
		ct_store_annotations(&list, store, whole.ptr) < 0)
		goto done;
	json_array_foreach (list, i, item)
		printf("%s\n", ct_record_id(item));
done:
	ct_error_clear();
	json_decref(list);
	ct_buf_free(&whole);
	ct_store_free(store);
	return CT_EXIT_OK;
}

int cmd_complete(ct_cli *cli, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	size_t i, n;

	if (strcmp(what, "claims") == 0)
		return store_ids(cli, CT_KIND_CLAIM, NULL);
	if (strcmp(what, "sources") == 0)
		return store_ids(cli, CT_KIND_SOURCE, NULL);
	if (strcmp(what, "keys") == 0)
		return store_ids(cli, CT_KIND_KEY, NULL);
	if (strcmp(what, "annotations") == 0 && argc > 2)
		return store_ids(cli, CT_KIND_ANNOTATION, argv[2]);
	if (strcmp(what, "statuses") == 0) {
		for (i = 0; cli_statuses[i]; i++)
			printf("%s\n", cli_statuses[i]);
		return CT_EXIT_OK;
	}
	if (strcmp(what, "verdicts") == 0) {
		const ct_verdict *scale = ct_verdict_scale(&n);
		for (i = 0; i < n; i++)
			printf("%s\n", scale[i].name);
		return CT_EXIT_OK;
	}
	fprintf(stderr,
		"usage: claimtrail __complete claims|sources|keys|statuses|verdicts\n"
		"       claimtrail __complete annotations CLAIM\n");
	return CT_EXIT_USAGE;
}
