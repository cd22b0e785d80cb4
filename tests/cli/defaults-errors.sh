#!/usr/bin/env bash
# End to end: defaults without flags (the signing key from git config claimtrail.key; every
# write's --help names --passphrase-file) and errors that help (statuses, verdicts and outcomes
# in any case, the allowed values listed, impossible dates called impossible, a command outside a
# repository told to run 'claimtrail init', plurals).
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Desk" -o k.key >/dev/null || exit 99
KID=$("$CT" key show k.key | sed -n "s/^key-id: *//p")

# ---- outside a repository: say to run init ----
mkdir empty && cd empty || exit 99
expect_status 3 "$CT" bundle import x.bundle
contains "$ERR" "not in a git repository (run 'claimtrail init'"
one_line "$ERR"
expect_status 3 "$CT" list
contains "$ERR" "run 'claimtrail init'"
cd "$TMP" || exit 99

# ---- the signing key from git config claimtrail.key ----
git init -q -b main repo && cd repo || exit 99
expect_status 4 "$CT" init
contains "$ERR" "git config claimtrail.key"
git config claimtrail.key "$TMP/k.key"
expect_status 0 "$CT" init
contains "$OUT" "$KID"
expect_status 0 "$CT" source add --id globe --title "Floods" --publisher "Ledger" --published 2024-02-29
expect_status 0 "$CT" claim add --id c1 --statement "It flooded." --source globe
# $CLAIMTRAIL_KEY wins over the configuration, --key over both
"$CT" key generate --unencrypted -o "$TMP/other.key" >/dev/null || exit 99
OTHER=$("$CT" key show "$TMP/other.key" | sed -n "s/^key-id: *//p")
CLAIMTRAIL_KEY="$TMP/other.key" expect_status 0 "$CT" annotate c1 --note "env" --json
contains "$OUT" "$OTHER"
expect_status 0 "$CT" annotate c1 --note "config" --json
contains "$OUT" "$KID"
git config claimtrail.key "$TMP/nosuch.key"
expect_status 0 "$CT" annotate c1 --note "flag" --key "$TMP/k.key" --json
contains "$OUT" "$KID"
git config claimtrail.key "$TMP/k.key"

# ---- the trust list from $CLAIMTRAIL_TRUST or git config claimtrail.trust; outside a
# repository, the global configuration (HOME points at a folder of the test's own) ----
"$CT" cat c1 >"$TMP/c1.json" || fail "cat"
mkdir -p "$TMP/home" "$TMP/out" && cd "$TMP/out" || exit 99
HOME="$TMP/home" expect_status 2 "$CT" verify "$TMP/c1.json"
contains "$ERR" "--trust"
CLAIMTRAIL_TRUST="$TMP/k.key.pub" HOME="$TMP/home" expect_status 0 "$CT" verify "$TMP/c1.json"
HOME="$TMP/home" git config --global claimtrail.trust "$TMP/k.key.pub"
HOME="$TMP/home" expect_status 0 "$CT" verify "$TMP/c1.json"
CLAIMTRAIL_TRUST="$TMP/other.key.pub" HOME="$TMP/home" expect_status 1 "$CT" verify "$TMP/c1.json"
HOME="$TMP/home" git config --global claimtrail.key "$TMP/k.key"
HOME="$TMP/home" expect_status 0 "$CT" init
contains "$OUT" "$KID"
cd "$TMP/repo" || exit 99

# ---- every write's --help names --passphrase-file ----
for c in init "source add" "source revise" "claim add" "claim revise" "claim retract" annotate \
	dispute resolve sign-off import "bundle create" "anchor check" sign; do
	# shellcheck disable=SC2086
	expect_status 0 "$CT" $c --help
	contains "$OUT" "--passphrase-file" "$c --help"
done
expect_status 0 "$CT" init --help
contains "$OUT" "claimtrail.key"

# ---- statuses, verdicts and outcomes without regard to case; the allowed values listed ----
expect_status 0 "$CT" annotate c1 --verdict Mostly-TRUE --json
contains "$OUT" '"verdict": "mostly-true"'
expect_status 0 "$CT" list --status SUPPORTED
contains "$OUT" "c1"
H=$(git rev-parse HEAD)
expect_status 2 "$CT" list --status bogus
contains "$ERR" "unknown status 'bogus' (one of: unreviewed, supported, refuted"
contains "$ERR" "(see 'claimtrail list --help')"
one_line "$ERR"
expect_status 4 "$CT" annotate c1 --verdict bogus
contains "$ERR" "true, mostly-true, mixed, mostly-false, false, misleading, unverifiable"
expect_status 4 "$CT" source add --title T --publisher P --kind bogus
contains "$ERR" "bogus"
D=$("$CT" dispute c1 --by "A reader" --reason "old photo") || fail "dispute"
expect_status 0 "$CT" resolve c1 "$D" --outcome REJECTED --note "checked" --json
contains "$OUT" '"outcome": "rejected"'

# ---- an impossible date is called impossible; a malformed one malformed ----
H=$(git rev-parse HEAD)
expect_status 4 "$CT" source add --title T --publisher P --published 2025-02-30
contains "$ERR" '"2025-02-30" is an impossible date'
one_line "$ERR"
expect_status 4 "$CT" source add --title T --publisher P --published 2025-2-3
contains "$ERR" "is not a date of the form YYYY-MM-DD"
not_contains "$ERR" "impossible"
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "a refused date moved HEAD"

# ---- a quote that does not occur: the case that differs, or the nearest passage ----
printf 'The river rose by three metres overnight,\nand more than 130 families left their homes.\n' >"$TMP/a.txt"
expect_status 0 "$CT" source add --id art --title A --publisher P --file "$TMP/a.txt"
H=$(git rev-parse HEAD)
expect_status 4 "$CT" claim add --statement "q1" --source art --quote "More than 130 Families"
contains "$ERR" 'only the case of its letters differs from the source'"'"'s "more than 130 families"'
one_line "$ERR"
expect_status 4 "$CT" claim add --statement "q2" --source art --quote "more than 130 families fled"
contains "$ERR" 'the nearest passage is "more than 130 families left their homes.'
one_line "$ERR"
expect_status 4 "$CT" claim add --statement "q3" --source art --quote "the river fell by three metres overnight"
contains "$ERR" 'the nearest passage is "The river rose by three metres overnight"'
one_line "$ERR"
expect_status 4 "$CT" claim add --statement "q4" --source art --quote "something else entirely"
not_contains "$ERR" "nearest"
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "a refused quote moved HEAD"
# whitespace alone never stops a quote: it is matched with runs of white space as one space
expect_status 0 "$CT" claim add --statement "q5" --source art --quote "overnight, and   more than"

# ---- plurals ----
expect_status 1 "$CT" check # the annotation signed by the other key is not trusted
contains "$OUT" "trust: 1 key of the trust list"
not_contains "$OUT" "1 keys"
finish
