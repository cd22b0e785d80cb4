#!/usr/bin/env bash
# How the repository's example store (claims/) was made: with claimtrail itself, claim by claim,
# from the opinion piece "Islamic State - Khorasan Province after the Crocus concert hall attack"
# by Ruchi Kumar (The Globe and Mail, March 2024), whose text is not in this repository: give a
# copy of it as ART. Kept as a record; it is not run by the tests (the store and its history are
# committed). Running it again needs an empty claims/.
#
# With --reasoning it adds, to the store this script and scripts/example-workflow.sh made, what
# issue 18 records (docs/workflow.md, "Attribution chains" to "Comparing figures"): who said each
# claim and where it was read, its hedges, figures with bounds and dates, a figure the article sets
# against the 6,000 estimate, and the Russian foreign ministry's questioning of the U.S.
# attribution as a claim of its own; it rates the revised 6,000 estimate again, as before.
#
# The signing key is a PUBLISHED TEST KEY (examples/example-key.INSECURE-PUBLISHED-TEST-KEY):
# anyone can sign with it, so it proves nothing about who wrote a record. Never trust it
# outside this example.
set -euo pipefail
cd "$(dirname "$0")/.."
CT=${CT:-build/src/cli/claimtrail}
ART=${ART:?set ART to a copy of the article (its sha256 is 639e411b0ac9fe73...)}
KEY=examples/example-key.INSECURE-PUBLISHED-TEST-KEY
export CLAIMTRAIL_KEY=$PWD/$KEY

if [ "${1:-}" = --reasoning ]; then
	[ -d claims ] || { echo "no claims/: run this script and scripts/example-workflow.sh first" >&2; exit 1; }
	chmod 600 "$KEY"
	G=globe-iskp-crocus-2024
	if $CT -C . source show security-reports-and-experts >/dev/null 2>&1; then
		echo "the example store has the --reasoning records already: nothing done" >&2
		exit 1
	fi
	# Who made the assertions the article reports without naming a document.
	$CT -C . source add --id security-reports-and-experts --kind other \
		--title "Security reports and experts (unnamed) on foreign fighters in Afghanistan" \
		--publisher "Unnamed security reports and experts"
	$CT -C . source add --id taliban-government --kind statement \
		--title "The Taliban government on foreign armed groups in Afghanistan (2023)" \
		--publisher "The Taliban government of Afghanistan"

	# The 6,000 estimate: said by the unnamed reports and experts, reported by the article,
	# an upper estimate hedged twice.
	$CT -C . claim revise iskp-foreign-fighters-6000 --said-by security-reports-and-experts \
		--hedge "as many as" --hedge "may have" --high 6000 \
		--reason "Records who made the estimate (unnamed security reports and experts) and where it was read (the article), with its hedges 'as many as' and 'may have' and 6,000 as its upper bound."
	# The 190 attacks: said by the UN Monitoring Team, read in the article (paragraph 3).
	$CT -C . claim revise iskp-suicide-attacks-190-since-2022 --source "$G" --source-text "$ART" \
		--quote "documented more than 190 suicide-bomb attacks by ISKP in major cities in the region since 2022" \
		--location "paragraph 3" --said-by un-monitoring-team-assessment-2023 \
		--location "an assessment last year (as the article reports it)" \
		--hedge "more than" --quantity-as-of 2023 \
		--reason "The figure is the UN Monitoring Team's, read in the article: the attribution is now the article, quoted and anchored, with the team as the said-by link; 'more than' recorded as a hedge, and the assessment's year (2023, 'last year' in a 2024 article)."
	# The U.S. attribution: said by U.S. intelligence officials, reported by the article.
	$CT -C . claim revise crocus-attack-attributed-to-iskp --role said-by \
		--reported-by "$G" --quote "according to U.S. intelligence officials" --location "paragraph 1" \
		--hedge "according to" \
		--reason "The officials made the attribution; the article reports it ('according to U.S. intelligence officials'): the chain records both."
	# The Russian foreign ministry questioned that attribution (the open dispute on it); the
	# article reports that it did, which is a claim of its own.
	$CT -C . claim add --id russia-questions-us-attribution --source "$G" --source-text "$ART" \
		--tag crocus --tag attribution --tag russia \
		--statement "Russia's foreign ministry questioned the U.S. attribution of the Crocus City Hall attack to ISKP." \
		--quote "though Russia’s foreign ministry has questioned it" --location "paragraph 1" \
		--said-by russia-foreign-ministry --no-hedges
	$CT -C . claim link russia-questions-us-attribution --depends-on crocus-attack-attributed-to-iskp \
		--reason "What the ministry questioned is the U.S. attribution: if that claim is retracted or refuted, this one needs review."
	# The article sets the estimate against the Taliban's denial: one quantity (foreign militants
	# in Afghanistan), two sources, linked so that compare lines them up.
	$CT -C . claim add --id taliban-no-foreign-armed-groups --source "$G" --source-text "$ART" \
		--tag taliban --tag foreign-fighters \
		--statement "The Taliban government claimed as recently as last year that no foreign armed group is active in Afghanistan." \
		--quote "no foreign armed group is active in Afghanistan" --location "paragraph 6" \
		--said-by taliban-government --quantity 0 --unit "foreign armed groups active" \
		--quantity-as-of 2023 --no-hedges
	$CT -C . claim link iskp-foreign-fighters-6000 taliban-no-foreign-armed-groups --same-quantity \
		--reason "The article sets the estimate of foreign fighters against the Taliban's denial that any foreign armed group is active: two sources' figures for one quantity."
	# The latest revision is not the one rated: the desk rates it again, as before.
	$CT -C . annotate iskp-foreign-fighters-6000 --verdict unverifiable \
		--note "Unchanged by the revisions that record its chain, hedges and link: the estimate is attributed only to unnamed 'security reports and experts' and hedged ('as many as', 'may have'). No primary source is named."
	$CT -C . compare iskp-foreign-fighters-6000
	$CT -C . check
	exit 0
fi

[ -d claims ] && { echo "claims/ exists already" >&2; exit 1; }

if [ ! -f "$KEY" ]; then
	$CT key generate --unencrypted -o "$KEY" --name "Example fact-check desk" --org "claimtrail examples"
	git add "$KEY" "$KEY.pub"
	git commit -qm "examples: the example store's signing key (a published, insecure test key)"
fi
# git checks files out 0644, and claimtrail reads only a secret key private to its owner
chmod 600 "$KEY"

$CT -C . init

# The article itself: its sha256 is recorded, its text is not committed (quotes are short
# spans, anchored in a local copy with --source-text).
$CT -C . source add --id globe-iskp-crocus-2024 --kind article \
	--title "Opinion: Islamic State - Khorasan Province after the Crocus concert hall attack" \
	--publisher "The Globe and Mail" --author "Ruchi Kumar" \
	--file "$ART" --no-keep-text
$CT -C . source add --id unsc-monitoring-report-2024 --kind report \
	--title "Monitoring report by members of the United Nations Security Council (2024)" \
	--publisher "United Nations Security Council"
$CT -C . source add --id un-monitoring-team-assessment-2023 --kind report \
	--title "Assessment of the Analytical Support and Sanctions Monitoring Team (2023)" \
	--publisher "United Nations"
$CT -C . source add --id us-intelligence-officials --kind statement \
	--title "U.S. intelligence officials on who carried out the Crocus City Hall attack" \
	--publisher "U.S. intelligence officials"
$CT -C . source add --id csto-serdyukov-2024 --kind statement \
	--title "Andrey Serdyukov, chief of the CSTO Joint Staff, on northern Afghanistan (February 2024)" \
	--publisher "Collective Security Treaty Organization" --author "Andrey Serdyukov"
$CT -C . source add --id russia-foreign-ministry --kind statement \
	--title "Russia's foreign ministry questions the attribution of the Crocus attack" \
	--publisher "Ministry of Foreign Affairs of the Russian Federation"

G=(--source globe-iskp-crocus-2024 --source-text "$ART")

$CT -C . claim add --id crocus-attack-deaths-130 "${G[@]}" --tag crocus --tag casualties \
	--statement "The terrorist attack on Moscow's Crocus concert hall resulted in more than 130 deaths." \
	--quote "has resulted in more than 130 deaths" --location "paragraph 1" \
	--quantity 130 --unit deaths --qualifier "more than"
$CT -C . claim add --id crocus-attack-attributed-to-iskp --source us-intelligence-officials \
	--tag crocus --tag iskp --tag attribution \
	--statement "U.S. intelligence officials attributed the Crocus City Hall attack to Islamic State - Khorasan Province (ISKP)." \
	--location "as reported in globe-iskp-crocus-2024, paragraph 1"
$CT -C . claim add --id kandahar-bombing-21-killed "${G[@]}" --tag iskp --tag kandahar --tag casualties \
	--statement "21 people were killed in an ISKP suicide bombing in Kandahar on the day of the Moscow attack." \
	--quote "21 people were killed in an ISKP suicide bombing in Kandahar" --location "paragraph 2" \
	--quantity 21 --unit "people killed"
$CT -C . claim revise kandahar-bombing-21-killed "${G[@]}" \
	--statement "At least 21 people were killed in an ISKP suicide bombing in Kandahar on the day of the Moscow attack." \
	--quote "at least 21 people were killed in an ISKP suicide bombing in Kandahar" --qualifier "at least" \
	--reason "The article says 'at least 21': the count is a lower bound, not an exact figure."
$CT -C . claim add --id iskp-suicide-attacks-190-since-2022 --source un-monitoring-team-assessment-2023 \
	--tag iskp --tag un \
	--statement "The UN Analytical Support and Sanctions Monitoring Team documented more than 190 suicide-bomb attacks by ISKP in major cities in the region since 2022." \
	--location "as reported in globe-iskp-crocus-2024, paragraph 3" \
	--quantity 190 --unit "suicide-bomb attacks" --qualifier "more than"
$CT -C . claim add --id un-report-high-concentration-terrorist-groups --source unsc-monitoring-report-2024 \
	--tag un --tag afghanistan \
	--statement "A UN Security Council monitoring report observed a high concentration of terrorist groups in Afghanistan, with the greatest threat from ISKP." \
	--quote "high concentration of terrorist groups in Afghanistan" \
	--location "as quoted in globe-iskp-crocus-2024, paragraph 3"
$CT -C . claim add --id csto-northern-afghanistan-main-threat --source csto-serdyukov-2024 \
	--tag csto --tag afghanistan \
	--statement "The CSTO's Andrey Serdyukov warned that ISKP and other terrorist camps in northern Afghanistan are the main threat to stability in Central Asia." \
	--quote "the main threat to the stability in Central Asia" \
	--location "as quoted in globe-iskp-crocus-2024, paragraph 3"
$CT -C . claim add --id iskp-foreign-fighters-6000 "${G[@]}" --tag iskp --tag foreign-fighters \
	--statement "6,000 foreign fighters have moved into Taliban-controlled Afghanistan." \
	--quote "6,000 foreign fighters may have moved into Taliban-controlled Afghanistan" \
	--location "paragraph 6" --quantity 6000 --unit "foreign fighters"
$CT -C . claim revise iskp-foreign-fighters-6000 "${G[@]}" \
	--statement "Security reports and experts have estimated that as many as 6,000 foreign fighters may have moved into Taliban-controlled Afghanistan." \
	--quote "as many as 6,000 foreign fighters may have moved into Taliban-controlled Afghanistan" \
	--qualifier "as many as" \
	--reason "The article gives an upper estimate ('as many as', 'may have'), attributed to unnamed security reports and experts, not a count."
$CT -C . claim add --id kabul-airport-bombing-2021 "${G[@]}" --tag iskp --tag kabul --tag casualties \
	--statement "An ISKP suicide bomber at the Kabul airport killed nearly 200 fleeing Afghans and 13 U.S. service members in August 2021." \
	--quote "killed nearly 200 fleeing Afghans and 13 U.S. service members" --location "paragraph 7" \
	--quantity 200 --unit "Afghans killed" --qualifier nearly
$CT -C . claim add --id taliban-released-iskp-militants "${G[@]}" --tag taliban --tag iskp \
	--statement "The Taliban released thousands of criminals, including hundreds of ISKP militants, from Afghan prisons as they took over Kabul." \
	--quote "having released thousands of criminals, including hundreds of ISKP militants, from Afghan prisons" \
	--location "paragraph 7"

$CT -C . check
