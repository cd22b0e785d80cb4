#!/usr/bin/env bash
# How the repository's example store (claims/) was made: with claimtrail itself, claim by claim,
# from the opinion piece "Islamic State - Khorasan Province after the Crocus concert hall attack"
# by Ruchi Kumar (The Globe and Mail, March 2024), whose text is not in this repository: give a
# copy of it as ART. Kept as a record; it is not run by the tests (the store and its history are
# committed). Running it again needs an empty claims/.
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
