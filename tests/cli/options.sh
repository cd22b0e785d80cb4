#!/bin/sh
# The option tables (src/cli/opt.c): every command and subcommand parses its options and prints
# its --help from one table; a usage error is one line naming the command's --help, exit 2.
. "$(dirname "$0")/lib.sh"

# ---- --help: exit 0, the usage and the command's own options, on standard output ----
for c in init check import "source add" "source revise" "source list" "source show" \
	"claim add" "claim revise" "claim retract" show cat list log diff annotate dispute resolve \
	sign-off "anchor check" suggest "bundle create" "bundle info" "bundle prove" \
	"bundle import" canon "key generate" "key show" sign verify "trust add" "trust list" \
	"trust remove"; do
	# shellcheck disable=SC2086 # $c is a command and its subcommand
	expect_status 0 "$CT" $c --help
	contains "$OUT" "usage: claimtrail" "$c --help"
	contains "$OUT" "options of claimtrail $c:" "$c --help"
	contains "$OUT" "  -h, --help" "$c --help"
	[ -z "$ERR" ] && ok || fail "$c --help wrote on stderr: $ERR"
	# shellcheck disable=SC2086
	expect_status 2 "$CT" $c --no-such-option
	contains "$ERR" "claimtrail: $c: unknown option" "$c --no-such-option"
	contains "$ERR" "(see 'claimtrail $c --help')" "$c --no-such-option"
	one_line "$ERR"
done
# a family's --help lists its subcommands' usage and says where their options are
for c in source claim bundle key trust anchor; do
	expect_status 0 "$CT" "$c" --help
	contains "$OUT" "usage: claimtrail" "$c --help"
	contains "$OUT" "Run 'claimtrail $c SUBCOMMAND --help' for its options." "$c --help"
	expect_status 2 "$CT" "$c" frob
	contains "$ERR" "(see 'claimtrail $c --help')" "$c frob"
	one_line "$ERR"
done

# ---- the common options, declared once: the same help line everywhere ----
for c in init import "source add" "claim add" annotate sign-off "anchor check" sign; do
	# shellcheck disable=SC2086
	expect_status 0 "$CT" $c --help
	contains "$OUT" "  -k, --key FILE              the secret signing key (default: \$CLAIMTRAIL_KEY, git config claimtrail.key)" "$c --help"
	contains "$OUT" "      --passphrase-file FILE  read the key's passphrase from FILE's first line" "$c --help"
done
expect_status 0 "$CT" bundle create --help
contains "$OUT" "      --key FILE              the secret signing key" "bundle create --help"
not_contains "$OUT" "-k, --key" "bundle create --help"
for c in verify check "bundle import"; do
	# shellcheck disable=SC2086
	expect_status 0 "$CT" $c --help
	contains "$OUT" "      --trust KEYS" "$c --help"
	contains "$OUT" "      --threshold N" "$c --help"
done

# ---- argument rules, as getopt_long has them ----
# a value attached with '=', options after the operands, '--' ending the options
printf '{"b":1,"a":2}' >in.json
expect_status 0 "$CT" canon -- in.json
contains "$OUT" '{"a":2,"b":1}'
expect_status 2 "$CT" verify in.json --threshold=0 --trust=x.pub
contains "$ERR" "claimtrail: verify: --threshold takes a number from 1 to 64 (see 'claimtrail verify --help')"
expect_status 2 "$CT" verify in.json --threshold
contains "$ERR" "unknown option or missing value '--threshold'"
expect_status 2 "$CT" sign in.json -k
contains "$ERR" "claimtrail: sign: unknown option or missing value '-k'"
# an option of a sibling command is refused by name, not ignored
expect_status 2 "$CT" show some-claim --needs-sign-off
contains "$ERR" "claimtrail: show: option --needs-sign-off does not apply here"
expect_status 2 "$CT" cat some-claim -p
contains "$ERR" "claimtrail: cat: option -p does not apply here"
expect_status 2 "$CT" annotate some-claim --outcome upheld
contains "$ERR" "claimtrail: annotate: option --outcome does not apply here"
# --help wins wherever it stands, before anything is read or written
expect_status 0 "$CT" claim add --statement x --help
contains "$OUT" "usage: claimtrail claim add"
[ ! -e claims ] && ok || fail "claim add --help wrote a store"

finish
