#!/bin/sh
# The commit journal built from history (the first log or check after a clone) says what git
# says each commit changed in the store folder: on a plain-git history of 2,300 commits (long
# enough to be indexed on every core) that adds, changes and removes files and whole folders,
# turns files into folders and back, and names entries that sort around a folder's '/'
# ("a-b", "a.json", "a/", "a0"), then claimtrail's own commits (confirmed by their Claimtrail-Blob
# trailers) and plain commits whose trailers are not the whole truth, the journal's lines are,
# commit by commit and in history's order, `git log --name-status` of the store folder.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
"$CT" init >/dev/null || exit 99
"$CT" source add --id s --title "A report" --publisher P >/dev/null || exit 99
"$CT" claim add --id a --statement "Claim A." --source s >/dev/null || exit 99

# a history of plain git commits, as a fast-import stream (a fixed seed: the same each run)
awk -v n=2300 'BEGIN {
	srand(19);
	split("0a 1b 2c 3d 4e 5f 6a 7b", hh, " ");
	split("a a-b a.json a0", sname, " ");
	for (i = 1; i <= n; i++) {
		printf "commit refs/heads/main\ncommitter t <t@example.invalid> %d +0000\n", 1700000000 + i;
		printf "data <<EOM\nplain commit %d\nEOM\n", i;
		if (i == 1) printf "from refs/heads/main^0\n";
		ops = 1 + int(rand() * 3);
		for (o = 0; o < ops; o++) {
			r = rand();
			k = int(rand() * 120); h = hh[1 + int(rand() * 8)];
			rec = "claims/claim/" h "/x" k;
			if (r < 0.40) {
				f = rand() < 0.8 ? "r0001.json" : "r0002.json";
				printf "M 100644 inline %s/%s\ndata <<EOM\n%d %d\nEOM\n", rec, f, i, o;
			} else if (r < 0.50) {
				printf "D %s/r0001.json\n", rec;
			} else if (r < 0.56) {
				printf "D %s\n", rec;
			} else if (r < 0.66) {
				t = "claims/t/n" int(rand() * 10);
				if (rand() < 0.5) printf "D %s\nM 100644 inline %s/inner\ndata <<EOM\n%d\nEOM\n", t, t, i;
				else printf "D %s\nM 100644 inline %s\ndata <<EOM\n%d\nEOM\n", t, t, i;
			} else if (r < 0.78) {
				s = "claims/s/" sname[1 + int(rand() * 4)];
				if (rand() < 0.3) printf "D %s\n", s;
				else if (rand() < 0.5) printf "D %s\nM 100644 inline %s/in\ndata <<EOM\n%d\nEOM\n", s, s, i;
				else printf "D %s\nM 100644 inline %s\ndata <<EOM\n%d\nEOM\n", s, s, i;
			} else if (r < 0.88) {
				printf "M 100644 inline notes/n%d\ndata <<EOM\n%d\nEOM\n", int(rand() * 20), i;
			} else if (r < 0.92) {
				printf "D claims/t\n";
			}
			# else: a commit that may change nothing in the store
		}
		printf "\n";
	}
}' > ../stream || exit 99
git fast-import --quiet < ../stream || exit 99
git reset -q --hard main || exit 99
[ "$(git rev-list --count HEAD)" -gt 2300 ] && ok || fail "history too short"

# claimtrail's own commits on top: their Claimtrail-Blob trailers let the journal confirm them by
# hashing the trees they should have (docs/store.md); and plain commits that carry such trailers
# without their being the whole truth, which the journal must see through
for i in $(seq 1 30); do
	"$CT" claim add --id "c$i" --statement "Claim $i." --source s >/dev/null || exit 99
done
"$CT" claim revise c2 --statement "Claim 2, revised." --reason "clearer" >/dev/null || exit 99
"$CT" annotate c3 --note "A note." >/dev/null || exit 99
C=$(git rev-parse HEAD)
contains "$(git log -1 --format=%B)" "Claimtrail-Blob: " "a claimtrail commit names its blobs"
MSG=$(git log -1 --format=%B "$C")
# 1. the message of the last claimtrail commit, and another file changed (the named one not)
echo forged > claims/s/forged && git add claims/s/forged && git commit -q -m "$MSG" || exit 99
# 2. that commit again, picked by plain git with another file added and one removed beside it
git reset -q --hard "$C~1" && git cherry-pick -n "$C" >/dev/null || exit 99
echo extra > claims/s/extra && git add claims/s/extra || exit 99
git rm -q -r "claims/claim/$(ls claims/claim | head -n 1)" || exit 99
git commit -q -m "$MSG" || exit 99
# 3. picked again exactly (its trailers the whole truth), then a removal alone under that message
git cherry-pick "$C" >/dev/null 2>&1 || git commit -q --allow-empty -m "$MSG" || exit 99
git rm -q claims/s/extra && git commit -q -m "$MSG" || exit 99
"$CT" claim add --id c31 --statement "Claim 31." --source s >/dev/null || exit 99

# the journal's lines, commit by commit in its order, each commit's lines sorted; c or g alike
# (which commits claimtrail made is the trailers test's)
journal_lines() {
	awk '{ if ($1 != last) { n++; last = $1 } t = $2 == "d" ? "D" : "W"; print n "\t" $1 " " t " " $3 }' \
		"$1"/.git/claimtrail/journal2.* | sort -t "$(printf '\t')" -k1,1n -k2
}
# git's: added, changed or a file's type changed (W), deleted (D), oldest first
git_lines() {
	git -C "$1" log --reverse --topo-order --no-renames --format='C %H' --name-status -- claims |
		awk '$1 == "C" { c = $2; next } NF >= 2 { t = $1 == "D" ? "D" : "W";
			if (c != last) { n++; last = c } print n "\t" c " " t " " $2 }' |
		sort -t "$(printf '\t')" -k1,1n -k2
}

rm -rf ../clone && git clone -q --no-local . ../clone || exit 99
for r in . ../clone; do
	rm -rf "$r/.git/claimtrail"
	expect_status 0 "$CT" -C "$r" log a
	journal_lines "$r" > ../journal.txt
	git_lines "$r" > ../git.txt
	[ -s ../git.txt ] && [ "$(wc -l < ../git.txt)" -gt 3000 ] && ok || fail "git lists too little"
	if cmp -s ../journal.txt ../git.txt; then ok; else
		fail "journal of $r differs from git log --name-status"
		diff ../git.txt ../journal.txt | head -20 >&2
	fi
done
# check builds the same journal
rm -rf ../clone/.git/claimtrail
"$CT" -C ../clone check >/dev/null 2>&1
journal_lines ../clone > ../journal2.txt
cmp -s ../journal.txt ../journal2.txt && ok || fail "check's journal differs from log's"

finish
