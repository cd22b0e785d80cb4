#!/usr/bin/env bash
# End to end (issue 19, point 5): bundle create reads and verifies the claims' latest revisions
# ahead on every core, and resolves each source revision a claim names once. Its answers are the
# ones of one claim at a time: the same lines, the source revisions each claim cites, and when
# claims do not verify, the first of them in the bundle's order named and nothing written.
# bundle import leaves the index with the stat data of the files it wrote.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted -o k.key --name "Desk" >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
export SOURCE_DATE_EPOCH=1700000000
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id wire --kind article --title "Wire" --publisher "Wire"
expect_status 0 "$CT" source add --id paper --kind article --title "Paper" --publisher "Paper"
# 150 claims (more than one thread's share), half of them citing paper's first revision
for i in $(seq 1 150); do
	s=wire
	[ $((i % 2)) = 0 ] && s=paper
	printf '{"id": "c%03d", "statement": "Claim %d.", "attribution": {"source": "%s"}}\n' \
		"$i" "$i" "$s"
done >../claims.jsonl
expect_status 0 "$CT" import ../claims.jsonl
expect_status 0 "$CT" source revise paper --title "Paper, corrected" --reason "corrected"
expect_status 0 "$CT" claim revise c150 --source paper --reason "checked against revision 2"

expect_status 0 "$CT" bundle create -o ../all.bundle --all
expect_status 0 "$CT" verify ../all.bundle
contains "$OUT" "150 claim revisions"
# paper's two revisions travel: revision 1 for the claims citing it, 2 for c150 (and wire's one)
contains "$OUT" "3 sources"
# the same claim lines, in the same order, as a bundle made claim by claim
ids=$(for i in $(seq 1 150); do printf 'c%03d ' "$i"; done)
# shellcheck disable=SC2086
expect_status 0 "$CT" bundle create -o ../ids.bundle $ids
claim_lines() { grep -v '"payloadType":"application/vnd.claimtrail.bundle' "$1" | sort; }
[ "$(claim_lines ../all.bundle)" = "$(claim_lines ../ids.bundle)" ] && ok ||
	fail "bundle create --all and by ids carry different records"
expect_status 0 "$CT" bundle show ../all.bundle
contains "$OUT" "c001"
contains "$OUT" "c150"

# bundle import records each file it writes in the index with its stat data, as git checkout
# does, so that git status and check compare the files by stat, not by reading each one
expect_status 0 "$CT" bundle create -o ../history.bundle --all --history
cd .. && git init -q -b main other && cd other || exit 99
expect_status 0 "$CT" init
expect_status 0 "$CT" bundle import ../history.bundle
unstat=$(git ls-files --debug claims/claim | grep -c '^  size: 0')
[ "$unstat" = 0 ] && ok || fail "$unstat imported files are in the index without stat data"
[ "$(git ls-files claims/claim | wc -l)" = 151 ] && ok || fail "not every claim file was imported"
[ -z "$(git status --porcelain)" ] && ok || fail "git status after bundle import: $(git status --porcelain | head -3)"
expect_status 0 "$CT" check
contains "$OUT" "store claims/: OK"
# an edit after the import shows (the stat data is the file's, not a promise it is unchanged)
f=$(git ls-files claims/claim | grep '/c005/')
sed -i 's/Claim 5\./Edited./' "$f"
expect_status 1 "$CT" check
contains "$OUT" "$f: has uncommitted changes in the work tree"
git checkout -q -- "$f"
cd ../repo || exit 99

# two claims edited by hand (their signatures no longer verify): the first in the bundle's
# order is named, and no bundle is written
for id in c140 c077; do
	f=$(git ls-files claims/claim | grep "/$id/r0001.json")
	sed -i "s/Claim ${id#c0}\./Edited./; s/Claim ${id#c}\./Edited./" "$f"
done
git commit -qam "by hand"
rm -f ../bad.bundle
expect_status 1 "$CT" bundle create -o ../bad.bundle --all
one_line "$ERR"
contains "$ERR" "claim c077 revision 1 does not verify"
[ ! -e ../bad.bundle ] && ok || fail "a refused bundle create wrote its file"

finish
