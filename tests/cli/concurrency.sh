#!/usr/bin/env bash
# Short form of bench/concurrency.sh: 6 writers (one importing) for 4 s with a person's
# `git commit -a` and `git gc --prune=now` running: nothing acknowledged is lost or hidden, no
# write fails, fsck, check and git status are clean.
. "$(dirname "$0")/lib.sh"
out=$(CLAIMTRAIL=$CT "$SRCDIR/bench/concurrency.sh" 6 4 2>&1) && ok || fail "concurrency: $out"
echo "$out"
contains "$out" "failed: 0"
contains "$out" "lost: 0; hidden: 0; leftovers: 0; git status: clean; fsck: ok; check: ok"
finish
