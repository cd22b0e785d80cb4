# The store the publish tests share: sourced after lib.sh, in $TMP. Claims with hostile text
# (a script element, an attribute break-out with an event handler, a javascript: address), a
# claim with a verdict and an anchored quote, a revised claim, a dispute and its resolution.
"$CT" key generate --unencrypted --name "Fact <b>Checker</b>" --org "Desk & Co" -o k.key \
	>/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
cat >../report.txt <<'TEXT'
The council said 1,200 people attended the rally on Friday. The mayor disagreed.
TEXT
"$CT" init >/dev/null || exit 99
"$CT" source add --id council --title "Rally report" --publisher "City Council" \
	--author "A. Clerk" --published 2024-03-01 --url https://example.com/rally \
	--file ../report.txt >/dev/null || exit 99
"$CT" source add --id evil-source --title '<script>alert("title")</script>' \
	--publisher '"><img src=x onerror=alert(2)>' >/dev/null ||
	exit 99
"$CT" claim add --id rally --statement "1,200 people attended the rally." --source council \
	--quote "1,200 people attended the rally" --tag crowds >/dev/null || exit 99
"$CT" annotate rally --verdict mostly-true --note "Police counted 1,100 marchers." >/dev/null ||
	exit 99
"$CT" claim revise rally --statement "About 1,200 people attended the rally." \
	--reason "the council's own wording" >/dev/null || exit 99
"$CT" annotate rally --verdict mostly-true --note "Police counted 1,100 marchers." >/dev/null ||
	exit 99
"$CT" claim add --id hostile-script --statement '<script>alert(1)</script> zebra' \
	--source evil-source --tag hostile >/dev/null || exit 99
"$CT" claim add --id hostile-attr --statement '"><img src=x onerror=alert(4)> quagga' \
	--source evil-source --tag hostile >/dev/null || exit 99
"$CT" claim add --id hostile-url --statement 'javascript:alert(5) okapi' --source evil-source \
	--tag hostile >/dev/null || exit 99
"$CT" annotate hostile-script --verdict false --note '</script><script>alert(6)</script>' \
	>/dev/null || exit 99
DISPUTE=$("$CT" dispute hostile-attr --by '<i>Reader</i>' --reason "it's <u>wrong</u>") || exit 99
# an editor whose key signs only this resolution: its key record must be published too
"$CT" key generate --unencrypted --name "Editor" -o ../ed.key >/dev/null || exit 99
CLAIMTRAIL_KEY=$TMP/ed.key "$CT" resolve hostile-attr "$DISPUTE" --outcome rejected \
	--note "checked again" >/dev/null || exit 99
