#!/bin/sh
# End-to-end tests of bundles: create, info, verify (and every way of breaking a bundle),
# inclusion proofs, import.
. "$(dirname "$0")/lib.sh"

$CT key generate --unencrypted -o k.key >/dev/null || exit 99
$CT key generate --unencrypted -o other.key >/dev/null || exit 99
export CLAIMTRAIL_KEY=$PWD/k.key
mkdir repo && cd repo || exit 99
expect_status 0 $CT init
expect_status 0 $CT source add --title T --publisher P --id s1
expect_status 0 $CT claim add --statement "Five things happened" --source s1 --id c1
expect_status 0 $CT claim revise c1 --quantity 5 --reason r
expect_status 0 $CT claim add --statement "Another thing" --source s1 --id c2
cd "$TMP" || exit 99

# create, info, verify
expect_status 0 $CT -C repo bundle create -o b.bundle --all --history --annotations
contains "$OUT" "5 records"
expect_status 0 $CT bundle info b.bundle
contains "$OUT" "records:     5"
ROOT=$($CT bundle info b.bundle --json | sed -n 's/.*"merkle_root": *"\([0-9a-f]*\)".*/\1/p')
[ ${#ROOT} -eq 64 ] && ok || fail "no merkle root in bundle info --json"
expect_status 0 $CT verify b.bundle --trust k.key.pub
contains "$OUT" "claim c1@2: OK"
contains "$OUT" "signature.valid"
contains "$OUT" "bundle b.bundle: OK"
expect_status 0 $CT verify b.bundle --trust k.key.pub --json
contains "$OUT" '"ok":true'
CLAIMTRAIL_THREADS=1 expect_status 0 $CT verify b.bundle --trust k.key.pub
[ "$(wc -l <b.bundle)" -eq 7 ] && ok || fail "expected 7 lines (header, 5 records, trailer)"

# selections
expect_status 0 $CT -C repo bundle create -o one.bundle c2
contains "$OUT" "3 records"
expect_status 0 $CT verify one.bundle --trust k.key.pub
expect_status 3 $CT -C repo bundle create -o none.bundle nosuch
expect_status 0 $CT -C repo bundle create -o latest.bundle --all
contains "$OUT" "4 records"
expect_status 0 $CT verify latest.bundle --trust k.key.pub
contains "$OUT" "chain.partial"

# flip one byte of every line (in the middle and at its end): verify fails naming that line
LINES=$(wc -l <b.bundle)
flip() { # flip FILE OFFSET: replaces the byte at OFFSET by another printable one
	b=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null)
	if [ "$b" = "A" ]; then r=B; else r=A; fi
	printf '%s' "$r" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
i=1
while [ $i -le "$LINES" ]; do
	start=$(head -n $((i - 1)) b.bundle | wc -c)
	len=$(sed -n "${i}p" b.bundle | tr -d '\n' | wc -c)
	for off in $((len / 2)) $((len - 1)) 0; do
		cp b.bundle t.bundle
		flip t.bundle $((start + off))
		# a damaged header makes the file no bundle at all (exit 4), any other line fails
		# verification (exit 1)
		want=1
		[ $i -eq 1 ] && want=4
		expect_status $want $CT verify t.bundle --trust k.key.pub
		contains "$OUT$ERR" "line $i" "flip of line $i at $off"
	done
	i=$((i + 1))
done

# delete, swap, duplicate lines; truncate
sed '3d' b.bundle >t.bundle
expect_status 1 $CT verify t.bundle --trust k.key.pub
contains "$OUT" "bundle.count"
contains "$OUT" "merkle.mismatch"
awk 'NR == 4 { held = $0; next } { print } NR == 5 { print held }' b.bundle >t.bundle
expect_status 1 $CT verify t.bundle --trust k.key.pub
contains "$OUT" "record.order"
sed '4p' b.bundle >t.bundle
expect_status 1 $CT verify t.bundle --trust k.key.pub
contains "$OUT" "line 5"
head -n 6 b.bundle >t.bundle
expect_status 1 $CT verify t.bundle --trust k.key.pub
contains "$OUT" "bundle.truncated"
head -c $(($(wc -c <b.bundle) - 1)) b.bundle >t.bundle
expect_status 1 $CT verify t.bundle --trust k.key.pub
contains "$OUT" "bundle.truncated"
head -c 300 b.bundle >t.bundle
expect_status 1 $CT verify t.bundle --trust k.key.pub
cat b.bundle b.bundle | sed '8d' >t.bundle
expect_status 1 $CT verify t.bundle --trust k.key.pub
contains "$OUT" "bundle.trailing"

# trust: another key, a threshold one signer cannot meet
expect_status 1 $CT verify b.bundle --trust other.key.pub
contains "$OUT" "signature.untrusted"
contains "$OUT" "bundle.signature.untrusted"
one_line "$ERR"
expect_status 1 $CT verify b.bundle --trust k.key.pub --trust other.key.pub --threshold 2
contains "$ERR" "2 needed"

# inclusion proofs
expect_status 0 $CT bundle prove b.bundle c1 -o p.json
expect_status 0 $CT verify --proof p.json --root "$ROOT"
contains "$OUT" "claim c1 revision 2: included"
expect_status 0 $CT verify --proof p.json --root "$ROOT" --trust k.key.pub
expect_status 1 $CT verify --proof p.json --root "$(printf '%s' "$ROOT" | tr '0-9a-f' '1-9a-f0')"
one_line "$ERR"
expect_status 1 $CT verify --proof p.json --root "$ROOT" --trust other.key.pub
expect_status 3 $CT bundle prove b.bundle nosuch -o q.json
sed 's/"leaf_index":3/"leaf_index":2/' p.json >q.json
expect_status 1 $CT verify --proof q.json --root "$ROOT"

# import into a fresh store
mkdir fresh && (cd fresh && git init -q) || exit 99
CLAIMTRAIL_KEY=$TMP/other.key expect_status 0 $CT -C fresh init
expect_status 0 $CT -C fresh bundle import b.bundle --trust k.key.pub
contains "$OUT" "imported 5 records"
expect_status 0 $CT -C fresh log c1
contains "$OUT" "revision 2"
contains "$OUT" "revision 1"
# the fresh store trusts its own key (init): the bundle creator is named with --trust
expect_status 1 $CT -C fresh check
expect_status 0 $CT -C fresh check --trust k.key.pub
expect_status 0 $CT -C fresh bundle import b.bundle --trust k.key.pub
contains "$OUT" "already in the store"

# a bundle long enough that, in a build with -Ded25519_tables=true, the signer's key gets its
# verification tables (from its 16th valid signature, docs/bundle.md): a signature changed late
# in it still fails, naming its line
mkdir big && cd big || exit 99
expect_status 0 $CT init
expect_status 0 $CT source add --title T --publisher P --id s1
i=1
while [ $i -le 40 ]; do
	printf '{"id":"big-%d","statement":"Big claim %d","attribution":{"source":"s1"}}\n' $i $i
	i=$((i + 1))
done >big.jsonl
expect_status 0 $CT import big.jsonl
cd "$TMP" || exit 99
expect_status 0 $CT -C big bundle create -o big.bundle --all
expect_status 0 $CT verify big.bundle --trust k.key.pub
target=$(($(wc -l <big.bundle) - 2))
line=$(sed -n "${target}p" big.bundle)
before_sig=${line%%\"sig\":\"*}
for threads in 1 2; do
	cp big.bundle t.bundle
	flip t.bundle $(($(head -n $((target - 1)) big.bundle | wc -c) + ${#before_sig} + 7 + 10))
	CLAIMTRAIL_THREADS=$threads expect_status 1 $CT verify t.bundle --trust k.key.pub
	contains "$OUT$ERR" "line $target" "a changed signature late in a long bundle ($threads threads)"
	contains "$OUT" "signature.mismatch"
done

# longer than the ring of lines verify keeps in flight (512, bundle_verify.c): every thread
# count reports the same lines in the same order, two changed signatures (one in the ring's first
# turn, one in its second) each at its own line
i=41
while [ $i -le 640 ]; do
	printf '{"id":"big-%d","statement":"Big claim %d","attribution":{"source":"s1"}}\n' $i $i
	i=$((i + 1))
done >long.jsonl
expect_status 0 $CT -C big import "$TMP/long.jsonl"
expect_status 0 $CT -C big bundle create -o long.bundle --all
[ "$(wc -l <long.bundle)" -gt 600 ] && ok || fail "long.bundle: $(wc -l <long.bundle) lines"
CLAIMTRAIL_THREADS=1 expect_status 0 $CT verify long.bundle --trust k.key.pub --json
ONE=$OUT
for threads in 2 3; do
	CLAIMTRAIL_THREADS=$threads expect_status 0 $CT verify long.bundle --trust k.key.pub --json
	[ "$OUT" = "$ONE" ] && ok || fail "verify on $threads threads reports otherwise than on 1"
done
cp long.bundle t.bundle
for target in 30 580; do
	line=$(sed -n "${target}p" long.bundle)
	before_sig=${line%%\"sig\":\"*}
	flip t.bundle $(($(head -n $((target - 1)) long.bundle | wc -c) + ${#before_sig} + 7 + 10))
done
CLAIMTRAIL_THREADS=1 expect_status 1 $CT verify t.bundle --trust k.key.pub
ONE=$OUT
contains "$ONE" "line 30: "
contains "$ONE" "line 580: "
[ "$(echo "$ONE" | grep -c "signature.mismatch")" -eq 2 ] && ok ||
	fail "two changed signatures, reported: $(echo "$ONE" | grep -c "signature.mismatch")"
for threads in 2 3; do
	CLAIMTRAIL_THREADS=$threads expect_status 1 $CT verify t.bundle --trust k.key.pub
	[ "$OUT" = "$ONE" ] && ok || fail "verify of t.bundle on $threads threads reports otherwise"
done

# a tampered or untrusted bundle writes nothing
mkdir fresh2 && (cd fresh2 && git init -q) || exit 99
CLAIMTRAIL_KEY=$TMP/other.key expect_status 0 $CT -C fresh2 init
HEAD=$(git -C fresh2 rev-parse HEAD)
cp b.bundle t.bundle
flip t.bundle $(($(head -n 4 t.bundle | wc -c) + 40))
expect_status 1 $CT -C fresh2 bundle import t.bundle --trust k.key.pub
contains "$ERR" "not imported"
expect_status 1 $CT -C fresh2 bundle import b.bundle --trust other.key.pub
[ "$(git -C fresh2 rev-parse HEAD)" = "$HEAD" ] && ok || fail "a failed import moved HEAD"
[ ! -e fresh2/claims/claim ] && ok || fail "a failed import wrote files"

# verify and import read the same bytes: a FIFO that hands the verify pass a trusted bundle and
# a second open another key's bundle is refused before anything is read (regular files only)
mkdir evil && cd evil || exit 99
CLAIMTRAIL_KEY=$TMP/other.key expect_status 0 $CT init
CLAIMTRAIL_KEY=$TMP/other.key expect_status 0 $CT source add --title T --publisher P --id evil-s
CLAIMTRAIL_KEY=$TMP/other.key expect_status 0 $CT claim add --statement "Planted" --source evil-s \
	--id evil-claim
cd "$TMP" || exit 99
CLAIMTRAIL_KEY=$TMP/other.key expect_status 0 $CT -C evil bundle create -o evil.bundle --all
mkfifo swap.bundle || exit 99
(cat b.bundle >swap.bundle; sleep 0.5; cat evil.bundle >swap.bundle) 2>/dev/null &
feeder=$!
expect_status 4 $CT -C fresh2 bundle import swap.bundle --trust k.key.pub
contains "$ERR" "not a regular file"
one_line "$ERR"
kill $feeder 2>/dev/null
# unblock the feeder's pending open, whatever it is waiting for
(exec 3<swap.bundle) 2>/dev/null & sleep 0.2; kill $! 2>/dev/null
wait $feeder 2>/dev/null
[ "$(git -C fresh2 rev-parse HEAD)" = "$HEAD" ] && ok || fail "an import from a FIFO moved HEAD"
[ ! -e fresh2/claims/claim ] && ok || fail "an import from a FIFO wrote files"
expect_status 3 $CT -C fresh2 show evil-claim

# bad input: clear one-line errors
echo "hello" >x.txt
expect_status 4 $CT bundle info x.txt
contains "$ERR" "not a claimtrail bundle"
one_line "$ERR"
printf '{"format":"claimtrail-bundle","version":2}\n' >v2.bundle
expect_status 4 $CT verify v2.bundle --trust k.key.pub
contains "$ERR" "unsupported bundle version 2"
one_line "$ERR"
expect_status 4 $CT bundle info v2.bundle
{ head -n 1 b.bundle; head -c 2000000 /dev/zero | tr '\0' 'a'; echo; tail -n 1 b.bundle; } >huge.bundle
expect_status 1 $CT verify huge.bundle --trust k.key.pub
contains "$OUT" "bundle.line.toolong"
one_line "$ERR"
head -c 3000000 /dev/zero | tr '\0' 'a' >huge1.bundle
expect_status 4 $CT bundle info huge1.bundle
one_line "$ERR"
expect_status 3 $CT verify nonexistent.bundle --trust k.key.pub
printf '{"format":"claimtrail-bundle","version":1}\nnot json\n' >junk.bundle
expect_status 1 $CT verify junk.bundle --trust k.key.pub
contains "$OUT" "record.malformed"

finish
