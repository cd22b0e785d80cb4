#!/usr/bin/env bash
# The fact-checking work recorded on the example store (claims/), after scripts/example-store.sh:
# verdicts, notes asking for primary sources, an open dispute, a resolved dispute and an editor's
# sign-off, all on the claims of the article scripts/example-store.sh names and grounded only in
# what that article says. Kept as a record of how the store was made; it is not run by the tests, and it
# refuses to run on a store that already has annotations.
#
# Usage: CT=build/src/cli/claimtrail scripts/example-workflow.sh
#
# Both keys are PUBLISHED TEST KEYS (examples/*.INSECURE-*): anyone can sign with them, so they
# prove nothing about who wrote a record. Never trust them outside this example.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CT:?set CT to the claimtrail binary, e.g. CT=build/src/cli/claimtrail}"
KEY=${KEY:-examples/example-key.INSECURE-PUBLISHED-TEST-KEY}
EDITOR=${EDITOR_KEY:-examples/editor.INSECURE-EXAMPLE-KEY}
export CLAIMTRAIL_KEY=$PWD/$KEY
[ -f "$KEY" ] || { echo "$KEY is missing: run scripts/example-store.sh first" >&2; exit 1; }
# git checks files out 0644, and claimtrail reads only a secret key private to its owner
chmod 600 "$KEY" "$EDITOR"
if compgen -G "claims/claim/*/*/annotations/*.json" >/dev/null; then
	echo "the example store has annotations already: nothing done" >&2
	exit 1
fi

if [ ! -f "$EDITOR" ]; then
	$CT key generate --unencrypted -o "$EDITOR" --name "Example editor" --org "claimtrail examples"
	git add "$EDITOR" "$EDITOR.pub"
	git commit -qm "examples: an editor's key for sign-offs (a published, insecure test key)"
fi

G=globe-iskp-crocus-2024

# Verdicts, each rated against what the cited source says, and saying so.
$CT -C . annotate crocus-attack-deaths-130 --verdict true --evidence "$G" \
	--note "Rated against the cited article only: it reports 'more than 130 deaths', and the claim states that lower bound, no more."
$CT -C . annotate kandahar-bombing-21-killed --verdict true --evidence "$G" \
	--note "Revision 2 keeps the article's lower bound ('at least 21 people were killed'); revision 1 said 21 exactly."
$CT -C . annotate iskp-foreign-fighters-6000 --verdict unverifiable \
	--note "The article attributes the estimate only to unnamed 'security reports and experts' and hedges it ('as many as', 'may have'). No primary source is named: ask the author which reports, then rate."

# Notes asking for the primary source, as a fact-checker would before rating.
$CT -C . annotate iskp-suicide-attacks-190-since-2022 \
	--note "Primary source needed: the article cites an assessment 'last year' by the UN's Analytical Support and Sanctions Monitoring Team. Find that report and its figure for suicide-bomb attacks since 2022 before rating."
$CT -C . annotate un-report-high-concentration-terrorist-groups \
	--note "Primary source needed: the article quotes a monitoring report 'released earlier this year by members of the United Nations Security Council' without naming it. Locate the report and check the quoted words."
$CT -C . annotate crocus-attack-attributed-to-iskp \
	--note "The article says Islamic State claimed responsibility and that, according to U.S. intelligence officials, its Khorasan branch (ISKP) carried out the attack; U.S. intelligence 'confirmed this claim'. The officials' statement itself is not cited."

# An open dispute: Russia's foreign ministry questioned the U.S. attribution (article, paragraph 1).
$CT -C . dispute crocus-attack-attributed-to-iskp --by "Russia's foreign ministry" \
	--source russia-foreign-ministry \
	--reason "Questioned the claim that ISKP carried out the attack (the article: 'though Russia's foreign ministry has questioned it'); the grounds are not given in the article."

# A resolved dispute: the editor questions the wording of the 6,000 estimate; rejected, since
# revision 2 already states it as the article does. The desk records both (its key signs them).
dispute=$($CT -C . dispute iskp-foreign-fighters-6000 --by "Example editor" \
	--reason "The statement may read as an established count of 6,000 fighters; the article gives an upper estimate.")
$CT -C . resolve iskp-foreign-fighters-6000 "$dispute" --outcome rejected \
	--note "Revision 2 says what the article says: an estimate of 'as many as 6,000' that 'may have' moved, attributed to security reports and experts."

# The editor's sign-off: a second signature on the current revision (store.json asks for 2).
$CT -C . sign-off crocus-attack-deaths-130 --key "$EDITOR" --note "Checked against the article."
$CT -C . sign-off kandahar-bombing-21-killed --key "$EDITOR" --note "Checked against the article."

$CT -C . list
$CT -C . list --needs-sign-off
$CT -C . check
