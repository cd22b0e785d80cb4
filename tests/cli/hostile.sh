#!/usr/bin/env bash
# The hostile-input table (issue 11, point 8): each row feeds one hostile input to one command
# and expects its exit status, exactly one line on standard error ("claimtrail: ..."), an answer
# within the time limit, and the store unchanged (branch, index, work tree, refs). It prints a
# line per failed row and the counts. Rows are "STATUS<TAB>WHAT<TAB>COMMAND" (COMMAND is eval'd
# in the store's repository, with $CT the binary and $D the folder of crafted files).
. "$(dirname "$0")/lib.sh"

$CT key generate --unencrypted -o k.key --name "Hostile" --org "Tests" >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k.key
D=$TMP/inputs
mkdir "$D" repo && cd repo || exit 99
git init -q -b main .
$CT init >/dev/null && $CT source add --title "A report" --publisher P --id rep >/dev/null &&
	$CT claim add --statement "Something happened." --source rep --id c1 --tag t1 >/dev/null &&
	$CT annotate c1 --verdict true --note "Checked." >/dev/null || exit 99
$CT bundle create -o "$D/good.bundle" --all >/dev/null || exit 99
$CT cat c1 >"$D/c1.json" || exit 99
$CT key show --json "$TMP/k.key" >/dev/null || exit 99
cp "$TMP/k.key.pub" "$D/trust.pub"

# crafted files
line() { printf '%s\n' "$1" >"$D/$2"; }
line '{"id":"x1","statement":"S.","attribution":{"source":"rep"}' trunc.jsonl
line '{"id":"x1","statement":"S.","attribution":{"source":"rep"},"colour":"red"}' unknown.jsonl
line '{"id":"../x","statement":"S.","attribution":{"source":"rep"}}' dotdot.jsonl
line '{"id":"A B","statement":"S.","attribution":{"source":"rep"}}' space.jsonl
line '{"id":".git","statement":"S.","attribution":{"source":"rep"}}' dotgit.jsonl
line '{"id":"x1","statement":"S.","attribution":{"source":"rep"},"quantity":{"amount":1e400}}' hugenum.jsonl
line '{"id":"x1","statement":"S.","attribution":{"source":"rep"},"quantity":{"amount":99999999999999999999}}' hugeamount.jsonl
line '{"id":"x1","statement":"S.","attribution":{"source":"rep"},"tags":[123456789012345678901234567890]}' hugeint.jsonl
printf '{"id":"x1","statement":"S\xff\xfe.","attribution":{"source":"rep"}}\n' >"$D/utf8.jsonl"
printf '{"id":"x1","statement":"S\xc0\xaf.","attribution":{"source":"rep"}}\n' >"$D/overlong.jsonl"
line '{"id":"x1","statement":"S\ud800.","attribution":{"source":"rep"}}' surrogate.jsonl
line '{"id":"x1","statement":"S\udc00\ud800.","attribution":{"source":"rep"}}' surrogate2.jsonl
line '{"id":"x1","id":"x2","statement":"S.","attribution":{"source":"rep"}}' dupkey.jsonl
line '{"id":"x1","statement":"S.","attribution":{"source":"nosuch"}}' nosource.jsonl
line '{"id":"x1","statement":5,"attribution":{"source":"rep"}}' wrongtype.jsonl
line '{"id":"x1","statement":"S.","attribution":{"source":"rep"},"revision":7}' filled.jsonl
line '{"id":"c1","statement":"S.","attribution":{"source":"rep"}}' exists.jsonl
line '[1,2,3]' array.jsonl
printf '{"id":"x1","statement":"S\0.","attribution":{"source":"rep"}}\n' >"$D/nul.jsonl"
{ head -c 200000 /dev/zero | tr '\0' '['; } >"$D/deep.jsonl"
{ printf '{"id":"x1","statement":"'; head -c 1100000 /dev/zero | tr '\0' a; printf '","attribution":{"source":"rep"}}\n'; } >"$D/long.jsonl"
: >"$D/empty.jsonl"
printf '\n\n  \r\n' >"$D/blank.jsonl"
# records for sign, verify and canon
sed 's/"statement": "/"statement": "\\ud800/' "$D/c1.json" >"$D/rec-surrogate.json"
printf '{"type":"claim","id":"x","type":"claim"}' >"$D/rec-dupkey.json"
printf '{"type":"claim","id":"\xff"}' >"$D/rec-utf8.json"
printf '{"type":"claim","id":"x","revision":1e999}' >"$D/rec-hugenum.json"
printf '{"type":"claim","id":"../../etc"}' >"$D/rec-unsafe.json"
printf '{"type":"claim"' >"$D/rec-trunc.json"
sed 's/"revision": 1/"revision": 18446744073709551617/' "$D/c1.json" >"$D/rec-bigrev.json"
# key files
sed 's/^memlimit: .*/memlimit: 4294967296/; s/^kdf: none/kdf: none/' "$TMP/k.key" >"$D/k-open.key"
chmod 600 "$D/k-open.key"; cp "$TMP/k.key" "$D/k-world.key"; chmod 644 "$D/k-world.key"
printf 'claimtrail-secret-key v1\nalgorithm: ed25519\nkey-id: 0123456789abcdef\nkdf: argon2id\nopslimit: 4294967296\nmemlimit: 4398046511104\nsalt: AAAAAAAAAAAAAAAAAAAAAA==\nnonce: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nsecret: AAAA\npublic-record: {}\n' >"$D/k-greedy.key"
chmod 600 "$D/k-greedy.key"
# bundles and proofs
head -c 1000 "$D/good.bundle" >"$D/cut.bundle"
sed '2s/./X/5' "$D/good.bundle" >"$D/flip.bundle"
printf '{"format":"claimtrail-inclusion-proof","version":1,"leaf_index":99999999999999999999}\n' >"$D/bad.proof"
mkfifo "$D/fifo"

TABLE=$(cat <<'ROWS'
4	import: truncated JSON	$CT import $D/trunc.jsonl
4	import: unknown field	$CT import $D/unknown.jsonl
4	import: id with ..	$CT import $D/dotdot.jsonl
4	import: id with a space	$CT import $D/space.jsonl
4	import: id .git	$CT import $D/dotgit.jsonl
4	import: number 1e400	$CT import $D/hugenum.jsonl
4	import: amount a number past 2^53	$CT import $D/hugeamount.jsonl
4	import: 30-digit integer	$CT import $D/hugeint.jsonl
4	import: invalid UTF-8	$CT import $D/utf8.jsonl
4	import: overlong UTF-8	$CT import $D/overlong.jsonl
4	import: lone surrogate	$CT import $D/surrogate.jsonl
4	import: reversed surrogates	$CT import $D/surrogate2.jsonl
4	import: duplicate key	$CT import $D/dupkey.jsonl
3	import: unknown source	$CT import $D/nosource.jsonl
4	import: statement a number	$CT import $D/wrongtype.jsonl
4	import: a member claimtrail fills	$CT import $D/filled.jsonl
4	import: id already in the store	$CT import $D/exists.jsonl
4	import: not an object	$CT import $D/array.jsonl
4	import: NUL byte	$CT import $D/nul.jsonl
4	import: 200,000 nested arrays	$CT import $D/deep.jsonl
4	import: line over 1 MiB	$CT import $D/long.jsonl
4	import: endless line (/dev/zero)	$CT import /dev/zero
4	import: empty file	$CT import $D/empty.jsonl
4	import: blank lines only	$CT import $D/blank.jsonl
3	import: missing file	$CT import $D/nosuch.jsonl
4	import: a folder	$CT import $D
4	claim add: id ..	$CT claim add --statement S. --source rep --id ..
4	claim add: id with a slash	$CT claim add --statement S. --source rep --id a/b
4	claim add: id of 65 characters	$CT claim add --statement S. --source rep --id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
2	claim add: invalid UTF-8 statement	$CT claim add --statement $'S\xff.' --source rep --id x1
4	claim add: huge quantity	$CT claim add --statement S. --source rep --id x1 --quantity 1e999
4	claim add: empty statement	$CT claim add --statement '' --source rep --id x1
4	source add: impossible date	$CT source add --title T --publisher P --published 2024-13-45
4	source add: unsafe id	$CT source add --title T --publisher P --id '../../x'
4	annotate: unknown verdict	$CT annotate c1 --verdict maybe
3	annotate: unknown claim	$CT annotate nosuch --verdict true
2	list: empty tag	$CT list --tag ''
4	show: unsafe id	$CT show '../c1'
3	show: unknown revision	$CT show c1 --rev 99
3	show: revision garbage	$CT show c1 --rev 'zz~~^^'
4	log: unsafe id	$CT log 'A B'
4	sign: lone surrogate	$CT sign $D/rec-surrogate.json -o $D/out.json
4	sign: duplicate key	$CT sign $D/rec-dupkey.json -o $D/out.json
4	sign: invalid UTF-8	$CT sign $D/rec-utf8.json -o $D/out.json
4	sign: number 1e999	$CT sign $D/rec-hugenum.json -o $D/out.json
4	sign: unsafe id	$CT sign $D/rec-unsafe.json -o $D/out.json
4	sign: truncated	$CT sign $D/rec-trunc.json -o $D/out.json
4	sign: revision past 2^64	$CT sign $D/rec-bigrev.json -o $D/out.json
4	sign: output a folder	$CT sign $D/c1.json --key $D/k-open.key -o $D
4	verify: lone surrogate	$CT verify $D/rec-surrogate.json --trust $D/trust.pub
4	verify: duplicate key	$CT verify $D/rec-dupkey.json --trust $D/trust.pub
4	canon: invalid UTF-8	$CT canon $D/rec-utf8.json
4	canon: lone surrogate	$CT canon $D/rec-surrogate.json
4	key: world-readable secret key	$CT claim add --statement S. --source rep --id x1 --key $D/k-world.key
4	key: greedy Argon2id limits	env CLAIMTRAIL_PASSPHRASE=x $CT claim add --statement S. --source rep --id x1 --key $D/k-greedy.key
4	key: a FIFO as the key	$CT claim add --statement S. --source rep --id x1 --key $D/fifo
4	key: /dev/zero as the key	$CT key show /dev/zero
1	bundle: cut short	$CT verify $D/cut.bundle --trust $D/trust.pub
1	bundle: one byte changed	$CT verify $D/flip.bundle --trust $D/trust.pub
4	bundle: /dev/zero	$CT verify /dev/zero --trust $D/trust.pub
1	bundle import: cut short	$CT bundle import $D/cut.bundle --trust $D/trust.pub
1	bundle import: one byte changed	$CT bundle import $D/flip.bundle --trust $D/trust.pub
4	proof: huge leaf index	$CT verify --proof $D/bad.proof --root 00
4	bundle create: output a folder	$CT bundle create -o $D --all
ROWS
)

state() {
	git rev-parse HEAD
	git for-each-ref
	git status --porcelain --untracked-files=all
	git ls-files -s | git hash-object --stdin
}
rows=0 passed=0 unchanged=0
while IFS=$'\t' read -r want what cmd; do
	[ -n "$want" ] || continue
	rows=$((rows + 1))
	before=$(state)
	got=0
	eval "timeout 30 $cmd" >"$TMP/.out" 2>"$TMP/.err" </dev/null || got=$?
	err=$(cat "$TMP/.err")
	problem=""
	[ "$got" -eq "$want" ] || problem="exit $got, wanted $want"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && case "$err" in claimtrail:\ ?*) ;; *) false ;; esac ||
		problem="${problem:+$problem; }stderr is not one 'claimtrail: ' line: $err"
	if [ "$(state)" = "$before" ]; then
		unchanged=$((unchanged + 1))
	else
		problem="${problem:+$problem; }the store changed"
	fi
	if [ -z "$problem" ]; then
		passed=$((passed + 1)); ok
	else
		fail "$what: $problem (stderr: $err)"
	fi
done <<<"$TABLE"
echo "hostile inputs: $rows rows, $passed as expected (status, one-line error), store unchanged after $unchanged"
$CT check >/dev/null 2>&1 && ok || fail "check after the table"
finish
