# The crash harness, sourced by tests/cli/crash.sh (quick) and bench/crash.sh (long).
# Needs CT (the claimtrail command), FAULTLIB (tests/faultinject.c built) and a scratch folder
# as the current directory. Each trial copies a prepared repository, runs one write killed (or
# failed) at one of its fault points or at a random moment, lets a person run git, and then
# checks what docs/store.md promises. Counts go into the C_* variables; crash_report prints them.

# faultinject.so is preloaded ahead of the sanitizer runtime in a sanitizer build
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

C_POINTS=0 C_LANDED=0 C_LOST=0 C_HIDDEN=0 C_LEFT=0 C_FSCK=0 C_CHECK=0 C_NEXT=0 C_STATUS=0
C_PERSON_OK=0 C_PERSON_REFUSED=0 C_PERSON_LATE=0 C_ACKED=0 C_FAILED=0
C_DETAILS=""

crash_note() {
	C_DETAILS="$C_DETAILS
  $*"
}

# crash_setup: the repository every trial starts from (tmpl/), with a person's own file, a
# store holding a source, two claims and an annotation, and an import file.
crash_setup() {
	rm -rf tmpl && mkdir tmpl && (
		cd tmpl || exit 1
		git init -q -b main .
		echo "a person's notes" >notes.txt
		git add notes.txt && git commit -qm "notes" &&
			$CT init >/dev/null &&
			$CT source add --title T --publisher P --id s >/dev/null &&
			$CT claim add --statement "Base one" --source s --id base-1 >/dev/null &&
			$CT claim add --statement "Base two" --source s --id base-2 >/dev/null &&
			$CT annotate base-1 --verdict true --note "checked" >/dev/null
	) || return 1
	printf '%s\n' '{"id":"imp-1","statement":"Imported one","attribution":{"source":"s"}}' \
		'{"id":"imp-2","statement":"Imported two","attribution":{"source":"s"}}' \
		'{"id":"imp-3","statement":"Imported three","attribution":{"source":"s"}}' >import.jsonl
	# what was acknowledged before any trial: every store file of the template's HEAD
	(cd tmpl && git ls-tree -r HEAD --name-only -- claims) >acked.txt
}

# crash_write KIND: runs the write of that kind in the current repository (with "$@" of the
# caller's environment: LD_PRELOAD and CT_FAULT_* when set).
crash_write() {
	case "$1" in
	add) ${CRASH_EXEC:-} $CT claim add --statement "New claim" --source s --id new-1 ;;
	revise) ${CRASH_EXEC:-} $CT claim revise base-2 --statement "Base two, revised" --reason "fix" ;;
	annotate) ${CRASH_EXEC:-} $CT annotate base-2 --verdict false --note "not so" ;;
	import) ${CRASH_EXEC:-} $CT import ../import.jsonl ;;
	esac
}

# crash_points KIND: how many fault points the write of that kind passes.
crash_points() {
	rm -rf count && cp -a tmpl count && (
		cd count && CT_FAULT_COUNT=../count.n LD_PRELOAD=$FAULTLIB crash_write "$1" \
			>/dev/null 2>&1
	)
	cat count.n
}

# crash_trial KIND HOW PERSON: one trial. HOW is "kill:N", "fail:N" or "random:MS" (a SIGKILL
# after MS milliseconds); PERSON is "commit-a" (edits notes.txt, `git commit -a`) or "commit"
# (adds a new file, `git add`, `git commit`).
crash_trial() {
	local t0=$EPOCHREALTIME
	local kind=$1 how=$2 person=$3 rc=0 landed="" path
	rm -rf w && cp -a tmpl w
	cd w || return 1
	git rev-parse HEAD >../before.txt
	case "$how" in
	kill:*) CT_FAULT_AT=${how#kill:} LD_PRELOAD=$FAULTLIB crash_write "$kind" >/dev/null 2>&1 || rc=$? ;;
	fail:*) CT_FAULT_MODE=fail CT_FAULT_AT=${how#fail:} LD_PRELOAD=$FAULTLIB crash_write "$kind" \
		>/dev/null 2>../fail.err || rc=$? ;;
	random:*)
		# exec: $! is the claimtrail process itself, not a subshell that would leave it running
		(CRASH_EXEC=exec crash_write "$kind" >/dev/null 2>&1) &
		local pid=$!
		sleep "0.$(printf '%03d' "${how#random:}")"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || rc=$?
		;;
	esac
	C_POINTS=$((C_POINTS + 1))
	[ "$rc" -eq 0 ] && C_ACKED=$((C_ACKED + 1))
	case "$how" in fail:*) [ "$rc" -ne 0 ] && C_FAILED=$((C_FAILED + 1)) ;; esac
	# what the write committed, whether or not it said so: it must stay
	cp ../acked.txt ../expect.txt
	if [ "$(git rev-parse HEAD)" != "$(cat ../before.txt)" ]; then
		C_LANDED=$((C_LANDED + 1))
		git diff --name-only "$(cat ../before.txt)" HEAD -- claims >>../expect.txt
	elif [ "$rc" -eq 0 ]; then
		C_LOST=$((C_LOST + 1)); crash_note "$kind $how: exit 0 but the branch did not move"
	fi
	# the person, right after the kill, with nothing run in between
	case "$person" in
	commit-a) echo "edit $how" >>notes.txt
		git commit -qam "person: $how" >/dev/null 2>&1 && C_PERSON_OK=$((C_PERSON_OK + 1)) ||
			C_PERSON_REFUSED=$((C_PERSON_REFUSED + 1)) ;;
	commit) echo "new $how" >"person.txt"
		{ git add person.txt && git commit -qm "person: $how"; } >/dev/null 2>&1 &&
			C_PERSON_OK=$((C_PERSON_OK + 1)) || C_PERSON_REFUSED=$((C_PERSON_REFUSED + 1)) ;;
	esac
	# the next claimtrail command (a read) repairs what the kill left
	$CT list >/dev/null 2>&1
	# ... after which the person's git works (a refused commit is made now)
	git add notes.txt 2>/dev/null
	[ -e person.txt ] && git add person.txt 2>/dev/null
	if ! git diff --cached --quiet 2>/dev/null; then
		git commit -qm "person, again: $how" >/dev/null 2>&1 && C_PERSON_LATE=$((C_PERSON_LATE + 1)) || {
			C_LEFT=$((C_LEFT + 1)); crash_note "$kind $how $person: git commit fails after the next command"; }
	fi
	# leftovers: locks, pending state, .keep files, temporary files anywhere
	local left
	left=$(ls .git/index.lock .git/refs/heads/*.lock .git/claimtrail/pending \
		.git/claimtrail/index.new .git/claimtrail/index.old .git/claimtrail/tmp_claimtrail_* .git/objects/pack/*.keep 2>/dev/null; git status --porcelain)
	if [ -n "$left" ]; then
		C_LEFT=$((C_LEFT + 1)); crash_note "$kind $how $person: left: $(echo $left)"
	fi
	# every acknowledged or committed record is in HEAD, the index and the work tree, as committed
	local lost=0 hidden=0
	while read -r path; do
		if ! git cat-file -e "HEAD:$path" 2>/dev/null; then
			lost=1; crash_note "$kind $how $person: $path gone from HEAD"
		elif [ "$(git ls-files -s -- "$path" | cut -d' ' -f2)" != "$(git rev-parse "HEAD:$path")" ] ||
			! cmp -s "$path" <(git cat-file blob "HEAD:$path"); then
			hidden=1; crash_note "$kind $how $person: $path not in the index or work tree as committed"
		fi
	done <../expect.txt
	C_LOST=$((C_LOST + lost)); C_HIDDEN=$((C_HIDDEN + hidden))
	git fsck --strict >/dev/null 2>&1 || { C_FSCK=$((C_FSCK + 1)); crash_note "$kind $how: fsck"; }
	$CT check >/dev/null 2>&1 || { C_CHECK=$((C_CHECK + 1)); crash_note "$kind $how: check: $($CT check 2>&1 | head -2)"; }
	# the next write works and leaves a clean status
	if ! $CT claim add --statement "Next claim" --source s --id next-1 >/dev/null 2>../next.err; then
		C_NEXT=$((C_NEXT + 1)); crash_note "$kind $how $person: next write: $(cat ../next.err)"
	elif [ -n "$(git status --porcelain)" ]; then
		C_STATUS=$((C_STATUS + 1)); crash_note "$kind $how $person: status after the next write: $(git status --porcelain | head -3)"
	fi
	cd ..
	[ -n "${CRASH_TIMES:-}" ] && echo "time $kind $how $((${EPOCHREALTIME/./} / 1000 - ${t0/./} / 1000)) ms" >&2
	return 0
}

# crash_report: the counts, and the first problems found.
crash_report() {
	echo "trials (kill points): $C_POINTS; writes that moved the branch: $C_LANDED; exit 0: $C_ACKED; refused by an injected failure: $C_FAILED"
	echo "person's git right after: $C_PERSON_OK committed, $C_PERSON_REFUSED refused (index.lock); committed after the next command: $C_PERSON_LATE"
	echo "records lost: $C_LOST; hidden: $C_HIDDEN; leftovers: $C_LEFT; fsck failures: $C_FSCK; check failures: $C_CHECK; next write failed: $C_NEXT; status not clean after it: $C_STATUS"
	[ -n "$C_DETAILS" ] && printf 'problems:%s\n' "$(printf '%s\n' "$C_DETAILS" | head -20)"
	[ $((C_LOST + C_HIDDEN + C_LEFT + C_FSCK + C_CHECK + C_NEXT + C_STATUS)) -eq 0 ]
}
