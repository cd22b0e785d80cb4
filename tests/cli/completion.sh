#!/usr/bin/env bash
# Shell completion: completion/claimtrail.bash sourced in bash, as bash-completion loads it,
# completes commands, subcommands, options, and the ids, statuses and verdicts in the store;
# completion/_claimtrail (zsh) at least parses in zsh when zsh is installed.
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:?SRCDIR must name the source tree}"
export CLAIMTRAIL_COMPLETE_BIN="$CT"
# shellcheck source=/dev/null
. "$SRCDIR/completion/claimtrail.bash" || { echo "cannot source the bash script"; exit 1; }
complete -p claimtrail | grep -q _claimtrail && ok || fail "no completion registered for claimtrail"

# complete LINE: COMPREPLY for the last word of LINE (a trailing space: an empty last word)
complete_line() {
	read -r -a COMP_WORDS <<<"$1"
	case $1 in *" ") COMP_WORDS+=("") ;; esac
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$1
	COMP_POINT=${#1}
	COMPREPLY=()
	_claimtrail
	GOT=" ${COMPREPLY[*]} "
}
has() { case "$GOT" in *" $1 "*) ok ;; *) fail "completing '$LINE' offers no '$1': $GOT" ;; esac }
hasnt() { case "$GOT" in *" $1 "*) fail "completing '$LINE' offers '$1': $GOT" ;; *) ok ;; esac }
try() { LINE=$1; complete_line "$1"; }

"$CT" key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
"$CT" init >/dev/null || exit 99
"$CT" source add --id globe-article --title T --publisher P >/dev/null || exit 99
"$CT" claim add --id crocus-flood --statement "A." --source globe-article >/dev/null || exit 99
"$CT" claim add --id crocus-rain --statement "B." --source globe-article >/dev/null || exit 99
"$CT" claim add --id dahlia --statement "C." --source globe-article >/dev/null || exit 99
DISPUTE=$("$CT" dispute dahlia --by r --reason x) || exit 99

# commands
try "claimtrail ann"
has annotate
hasnt show
try "claimtrail "
has show
has bundle
hasnt __complete
# subcommands
try "claimtrail source "
has add
has revise
has show
# options, from the command's --help
try "claimtrail annotate crocus-flood --ver"
has --verdict
try "claimtrail list --"
has --status
has --source
try "claimtrail source add --pu"
has --publisher
# ids from the store
try "claimtrail show cro"
has crocus-flood
has crocus-rain
hasnt dahlia
try "claimtrail annotate d"
has dahlia
try "claimtrail claim add --source gl"
has globe-article
try "claimtrail log "
has globe-article
has dahlia
try "claimtrail resolve dahlia "
has "$DISPUTE"
# statuses and verdicts
try "claimtrail list --status dis"
has disputed
try "claimtrail list --status conf"
has conflicted
# sync: the commands, their options and the remotes of git's configuration
git remote add hub ../hub.git || exit 99
try "claimtrail pu"
has pull
has push
try "claimtrail sync --only"
has --only-trusted
try "claimtrail fetch h"
has hub
try "claimtrail annotate dahlia --verdict mostly"
has mostly-true
has mostly-false
try "claimtrail export "
has claimreview
has dot
try "claimtrail export claimreview --"
has --base-url
has --format
try "claimtrail export claimreview --format "
has markup-page
try "claimtrail export prov dah"
has dahlia
try "claimtrail bundle sh"
has show
try "claimtrail bundle show x.bundle --tr"
has --trust
try "claimtrail import cl"
has claimreview
try "claimtrail import claimreview --sk"
has --skip-unmapped
# keys over time (issue 17): commands, subcommands, options, key ids
try "claimtrail check"
has checkpoint
try "claimtrail key "
has import-ssh
has revoke
has rotate
try "claimtrail key revoke --comp"
has --compromised-since
try "claimtrail key revoke "
has "$("$CT" key show "$TMP/k.key" | sed -n "s/^key-id: *//p")"
try "claimtrail key revoke --reason x "
has "$("$CT" key show "$TMP/k.key" | sed -n "s/^key-id: *//p")"
try "claimtrail trust add k.pub --can"
has --can-revoke
try "claimtrail trust add k.pub --can-revoke "
has all
has "$("$CT" key show "$TMP/k.key" | sed -n "s/^key-id: *//p")"
try "claimtrail verify b.bundle --st"
has --state
try "claimtrail verify b.bundle --state s --max"
has --max-age
# -C: the store of another folder
cd "$TMP" || exit 99
try "claimtrail -C repo show d"
has dahlia
try "claimtrail show d"
hasnt dahlia
try "claimtrail -C repo pull "
has hub

if command -v zsh >/dev/null 2>&1; then
	zsh -n "$SRCDIR/completion/_claimtrail" && ok || fail "zsh script does not parse"
fi
finish
