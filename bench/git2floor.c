/*
 * The floor under every claimtrail command that touches git: a process that loads libgit2 (and
 * the libraries Debian's build links it with) and calls git_libgit2_init(), which in that build
 * also parses the system's CA certificate bundle. bench/store.sh times it next to `claim add`.
 */
#include <git2.h>

int main(void)
{
	int rc = git_libgit2_init() < 0;

	git_libgit2_shutdown();
	return rc;
}
