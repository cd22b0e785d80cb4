#!/usr/bin/env bash
# End to end: inputs that used to hang, grow without bound, write outside the store or be
# ignored (issue 11, point 6), and secret keys at rest (point 7).
. "$(dirname "$0")/lib.sh"

$CT key generate --unencrypted -o k.key --name "Test Checker" --org "Desk" >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k.key

mkdir repo && cd repo
git init -q -b main .
$CT init >/dev/null || exit 99
$CT source add --title "A report" --publisher P --id rep >/dev/null || exit 99
$CT claim add --statement "Something happened." --source rep --id c1 --tag t1 >/dev/null || exit 99
headrev() { git rev-parse HEAD; }

# runs CMD with a time limit: a hang is a failure, not a stuck test suite
bounded() { timeout 20 "$@"; }

# --- list --tag "": an empty tag names nothing; it used to loop forever
expect_status 2 bounded $CT list --tag ""
contains "$ERR" "empty tag"; one_line "$ERR"
expect_status 0 bounded $CT list --tag t1
contains "$OUT" "c1"

# --- write errors on standard output are errors, for every command
if [ -w /dev/full ]; then
	expect_status 4 sh -c "$CT list >/dev/full"
	contains "$ERR" "error writing standard output"; one_line "$ERR"
	expect_status 4 sh -c "$CT show c1 >/dev/full"
	contains "$ERR" "error writing standard output"
	expect_status 4 sh -c "$CT version >/dev/full"
	expect_status 4 sh -c "$CT --help >/dev/full"
fi

# --- import: every line within the record limit, every claim within it as stored, input streamed
before=$(headrev)
# a claim line whose statement is n bytes of "a"
claim_line() { printf '{"id":"big","statement":"'; head -c "$1" /dev/zero | tr '\0' a; printf '","attribution":{"source":"rep"}}\n'; }
claim_line 1048600 >long.jsonl
expect_status 4 $CT import long.jsonl
contains "$ERR" "line 1: longer than 1048576 bytes"; one_line "$ERR"
# under the limit as a line, over it once signed and stored (indented, with its signature)
{ echo '{"id":"fine","statement":"Fine.","attribution":{"source":"rep"}}'
  claim_line 1048400
} >stored.jsonl
expect_status 4 $CT import stored.jsonl
contains "$ERR" "line 2: claim big:"; contains "$ERR" "over the 1048576-byte limit"; one_line "$ERR"
expect_status 4 sh -c "$CT import - <stored.jsonl"
contains "$ERR" "line 2: claim big:"
[ "$(headrev)" = "$before" ] && ok || fail "a refused import moved HEAD"
expect_status 0 $CT check
# an endless line is refused after a megabyte, in bounded memory (not read whole: 2 GB)
asan=0; ldd "$CT" 2>/dev/null | grep -q 'libasan' && asan=1
if [ "$asan" = 0 ]; then
	expect_status 4 bounded sh -c "ulimit -v 600000; exec $CT import /dev/zero"
else
	expect_status 4 bounded $CT import /dev/zero
fi
contains "$ERR" "line 1: longer than 1048576 bytes"; one_line "$ERR"
expect_status 4 bounded sh -c "head -c 50000000 /dev/zero | $CT import -"
contains "$ERR" "line 1: longer than"
# many ordinary lines still import, from a file and from standard input
printf '{"id":"i1","statement":"One.","attribution":{"source":"rep"}}\r\n\n  \n{"id":"i2","statement":"Two.","attribution":{"source":"rep"}}' >ok.jsonl
expect_status 0 $CT import ok.jsonl
contains "$OUT" "imported 2 claims"
printf '{"id":"i3","statement":"Three.","attribution":{"source":"rep"}}\n' | $CT import - >/dev/null && ok || fail "import -"
printf '{"id":"i4","statement":"Four.","attribution":{"source":"rep"}}\n{"id":"i5",' >bad.jsonl
expect_status 4 $CT import bad.jsonl
contains "$ERR" "line 2"
expect_status 0 $CT check

# --- -o FILE: a device or FIFO is written into, never replaced; a symbolic link is refused
# c1 as stored, signed again by a second key
$CT cat c1 >unsigned.json || fail "cat c1"
$CT key generate --unencrypted -o "$TMP/k2.key" >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k2.key
K2=$($CT key show "$TMP/k2.key" | awk '/^key-id:/{print $2}')
mkfifo out.fifo
# a reader for the FIFO, in the background; a write that replaced the FIFO would leave it waiting
( timeout 20 cat out.fifo >fifo.got ) &
reader=$!
expect_status 0 bounded $CT sign unsigned.json -o out.fifo
wait $reader
[ -p out.fifo ] && ok || fail "sign -o FIFO replaced the FIFO"
contains "$(cat fifo.got)" "\"key_id\": \"$K2\"" "what went through the FIFO"
ls out.fifo.tmp.* >/dev/null 2>&1 && fail "a temporary file was left" || ok
echo target >target.txt
ln -s target.txt link.json
expect_status 4 $CT sign unsigned.json -o link.json
contains "$ERR" "link.json: is a symbolic link"; one_line "$ERR"
[ -L link.json ] && [ "$(cat target.txt)" = target ] && ok || fail "sign -o replaced a link"
expect_status 4 $CT bundle create -o link.json --all
contains "$ERR" "link.json: is a symbolic link"
[ -L link.json ] && [ "$(cat target.txt)" = target ] && ok || fail "bundle create -o replaced a link"
mkdir outdir
expect_status 4 $CT sign unsigned.json -o outdir
contains "$ERR" "outdir: is a folder"
# a character device: made here (as root only), so the machine's /dev/null is never at stake
if mknod null.dev c 1 3 2>/dev/null; then
	expect_status 0 $CT sign unsigned.json -o null.dev
	[ -c null.dev ] && ok || fail "sign -o replaced a character device"
	expect_status 0 $CT bundle create -o null.dev --all
	[ -c null.dev ] && ok || fail "bundle create -o replaced a character device"
	$CT bundle create -o b.bundle --all >/dev/null || fail "bundle create"
	expect_status 0 $CT bundle prove b.bundle c1 -o null.dev
	[ -c null.dev ] && ok || fail "bundle prove -o replaced a character device"
fi
# a regular file is still replaced whole
echo old >plain.json
expect_status 0 $CT sign unsigned.json -o plain.json
contains "$(cat plain.json)" "\"key_id\": \"$K2\"" "plain.json"
export CLAIMTRAIL_KEY=$TMP/k.key

# --- secret keys: one others can read is refused, with the command that fixes it
before=$(headrev)
chmod 644 "$TMP/k.key"
expect_status 4 $CT claim add --statement "Not written." --source rep --id nope
contains "$ERR" "permissions 0644 are too open"; contains "$ERR" "chmod 600 $TMP/k.key"; one_line "$ERR"
[ "$(headrev)" = "$before" ] && ok || fail "a refused key moved HEAD"
chmod 600 "$TMP/k.key"
expect_status 0 $CT claim add --statement "Written." --source rep --id yes

# --- Ctrl-C or a kill at the passphrase prompt leaves the terminal echoing (on a pty)
if command -v python3 >/dev/null 2>&1; then
	for how in INT TERM; do
		if out=$(timeout 60 python3 "$SRCDIR/tests/cli/pty-prompt.py" "$CT" "$TMP/pty-$how.key" $how); then
			ok
		else
			fail "terminal after $how at the prompt: $out"
		fi
		[ -e "$TMP/pty-$how.key" ] && fail "an interrupted key generate left a key" || ok
	done
else
	echo "python3 not found: the passphrase prompt's terminal test is skipped"
fi

# --- a symbolic link among the store's folders in the work tree is not written through
git init -q -b main "$TMP/linked" && (
	cd "$TMP/linked" || exit 99
	CHECKS=0 FAILS=0
	$CT init >/dev/null && $CT source add --title T --publisher P --id s1 >/dev/null || exit 99
	mkdir "$TMP/outside" && mv claims/source "$TMP/outside/" && ln -s "$TMP/outside/source" claims/source
	before=$(git rev-parse HEAD)
	expect_status 4 $CT source add --title T2 --publisher P --id s2
	contains "$ERR" "claims/source is a symbolic link in the work tree"; one_line "$ERR"
	[ "$(git rev-parse HEAD)" = "$before" ] && ok || fail "a write through a link moved HEAD"
	[ "$(find "$TMP/outside" -type f | wc -l)" -eq 1 ] && ok || fail "files landed outside the repository"
	# the store folder itself
	rm claims/source && mv "$TMP/outside/source" claims/ && mv claims "$TMP/outside/claims" &&
		ln -s "$TMP/outside/claims" claims
	expect_status 4 $CT source add --title T3 --publisher P --id s3
	contains "$ERR" "claims is a symbolic link in the work tree"
	[ -e "$TMP/outside/claims/source/"*/s3 ] && fail "a file landed outside the repository" || ok
	echo "$CHECKS $FAILS" >"$TMP/linked.counts"
)
read -r c f <"$TMP/linked.counts" && CHECKS=$((CHECKS + c)) && FAILS=$((FAILS + f))

# --- crafted committed trees (git mktree, git hash-object --literally): readers skip the bad
# entry and go on; writers refuse to commit on top of an entry git fsck rejects
# set_entry TREE PATH MODE TYPE OID: TREE with PATH set to that entry, as a new tree id
set_entry() {
	local tree=$1 path=$2 mode=$3 type=$4 oid=$5 head rest sub new
	case $path in
	*/*)
		head=${path%%/*} rest=${path#*/}
		sub=$(git rev-parse -q --verify "$tree:$head" 2>/dev/null) || sub=$(git mktree </dev/null)
		new=$(set_entry "$sub" "$rest" "$mode" "$type" "$oid")
		{ git ls-tree "$tree" | awk -F'\t' -v n="$head" '$2 != n'
		  printf '040000 tree %s\t%s\n' "$new" "$head"; } | git mktree --missing ;;
	*)
		{ git ls-tree "$tree" | awk -F'\t' -v n="$path" '$2 != n'
		  printf '%s %s %s\t%s\n' "$mode" "$type" "$oid" "$path"; } | git mktree --missing ;;
	esac
}
# commit_tree TREE: commits TREE on HEAD and moves the branch (the work tree is left alone)
commit_tree() { git update-ref HEAD "$(git commit-tree "$1" -p HEAD -m crafted)"; }
git init -q -b main "$TMP/crafted" && (
	cd "$TMP/crafted" || exit 99
	CHECKS=0 FAILS=0
	$CT init >/dev/null && $CT source add --title T --publisher P --id s1 >/dev/null &&
		$CT claim add --statement "A." --source s1 --id c1 >/dev/null &&
		$CT claim add --statement "B." --source s1 --id c2 >/dev/null || exit 99
	good=$(git rev-parse HEAD)
	c1dir=$(git ls-tree -r -d --name-only HEAD claims/claim | grep '/c1$')
	c2dir=$(git ls-tree -r -d --name-only HEAD claims/claim | grep '/c2$')
	srctree=$(git rev-parse HEAD:claims/source)

	# a revision "file" that is a tree: c1 is skipped, the rest is listed
	commit_tree "$(set_entry "$(git rev-parse HEAD^{tree})" "$c1dir/r0002.json" 040000 tree "$srctree")"
	expect_status 0 $CT list
	contains "$OUT" "c2"; not_contains "$OUT" "c1 "
	contains "$ERR" "warning: $c1dir: left out: claim c1: r0002.json is not a file"; one_line "$ERR"
	expect_status 0 $CT show c2
	expect_status 1 $CT check
	contains "$OUT$ERR" "$c1dir/r0002.json"

	# a ".." entry beside a claim folder: everything is still read; nothing is committed on it
	git update-ref HEAD "$good"
	commit_tree "$(set_entry "$(git rev-parse HEAD^{tree})" "${c2dir%/*}/.." 040000 tree "$srctree")"
	bad=$(git rev-parse HEAD)
	expect_status 0 $CT list
	contains "$OUT" "c1"; contains "$OUT" "c2"
	contains "$ERR" "warning: ${c2dir%/*}/..: left out: not a claim id"
	expect_status 4 $CT claim add --statement "C." --source s1 --id c3
	contains "$ERR" "${c2dir%/*}/..: the committed tree has an entry git fsck rejects (hasDotdot"
	one_line "$ERR"
	[ "$(git rev-parse HEAD)" = "$bad" ] && ok || fail "a write committed on a '..' entry"
	# not only on the path the write takes: a bad entry anywhere in the tree
	expect_status 4 $CT source add --title T2 --publisher P --id s2
	contains "$ERR" "hasDotdot"

	# ".git" in any case, and a name given twice (a tree git mktree would not write)
	git update-ref HEAD "$good"
	blob=$(git rev-parse HEAD:claims/store.json)
	commit_tree "$(set_entry "$(git rev-parse HEAD^{tree})" "notes/.GIT" 100644 blob "$blob")"
	expect_status 4 $CT claim add --statement "C." --source s1 --id c3
	contains "$ERR" "notes/.GIT: the committed tree has an entry git fsck rejects (hasDotgit"
	git update-ref HEAD "$good"
	bin() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"; } # hex to bytes
	dup=$( { printf '100644 a\0'; bin "$blob"; printf '100644 a\0'; bin "$blob"; } |
		git hash-object -t tree --literally -w --stdin)
	commit_tree "$(set_entry "$(git rev-parse HEAD^{tree})" "dup" 040000 tree "$dup")"
	expect_status 4 $CT claim add --statement "C." --source s1 --id c3
	contains "$ERR" "dup/a: the committed tree has an entry git fsck rejects (duplicateEntries"

	# once the bad entry is gone, writes go on
	git update-ref HEAD "$good"
	expect_status 0 $CT claim add --statement "C." --source s1 --id c3
	# what the branch holds is sound (the crafted objects are still in this repository, unreachable)
	git clone -q --no-local . "$TMP/crafted-clone" && git -C "$TMP/crafted-clone" fsck --strict \
		>/dev/null 2>&1 && ok || fail "git fsck --strict of a clone after the writes"
	echo "$CHECKS $FAILS" >"$TMP/crafted.counts"
)
read -r c f <"$TMP/crafted.counts" && CHECKS=$((CHECKS + c)) && FAILS=$((FAILS + f))

finish
