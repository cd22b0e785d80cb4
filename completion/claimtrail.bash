# bash completion for claimtrail: commands, subcommands, options, and the ids and statuses in
# the store. Installed by `meson install` to share/bash-completion/completions/claimtrail; to try
# it from a checkout: source completion/claimtrail.bash
#
# Commands and options come from the command's own --help, ids from `claimtrail __complete`, so
# the script stays right as they change. Needs nothing but bash (not the bash-completion package).

_claimtrail_words() {
	# _claimtrail_words GLOBAL-OPTIONS... -- ARGS...: runs claimtrail quietly
	local -a pre=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do pre+=("$1"); shift; done
	shift
	"${CLAIMTRAIL_COMPLETE_BIN:-claimtrail}" "${pre[@]}" "$@" 2>/dev/null
}

_claimtrail() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local -a pre=() operands=()
	local cmd="" sub="" subs="" i=1 w words=""

	# the global options (-C DIR, --root DIR), the command, its subcommand and its operands
	while [ $i -lt "$COMP_CWORD" ]; do
		w=${COMP_WORDS[i]}
		if [ -z "$cmd" ]; then
			case $w in
			-C | --root)
				pre+=("$w" "${COMP_WORDS[i + 1]}")
				i=$((i + 2))
				continue
				;;
			-*) ;;
			*)
				cmd=$w
				subs=$(_claimtrail_words "${pre[@]}" -- "$cmd" --help |
					sed -n "s/^.*claimtrail $cmd \([a-z][a-z-]*\).*/\1/p" | sort -u)
				;;
			esac
		elif [ -n "$subs" ] && [ -z "$sub" ] && [ "${w#-}" = "$w" ]; then
			sub=$w
		else
			case $w in
			--*=* | -) ;;
			-*)
				# an option that takes a value eats the next word
				case $w in
				--key | -k | --passphrase-file | --source | --evidence | --status | --verdict | \
					--tag | --note | --reason | -m | --by | --outcome | --statement | --quote | \
					--location | --quantity | --unit | --qualifier | --id | --title | --publisher | \
					--url | --author | --published | --retrieved | --kind | --file | --rev | \
					--output | -o | --trust | --threshold | --source-text | --name | --org | \
					--seed-file | --proof | --root | --format | --base-url | --from | \
					--compromised-since | --to | --expires | --state | --max-age | \
					--said-by | --reported-by | --cited-by | --recorded-by | --role | --hedge | \
					--low | --high | --quantity-as-of | --as-of | --depends-on | --can-revoke) i=$((i + 1)) ;;
				esac
				;;
			claimreview)
				# import claimreview FILE: a subcommand import's usage does not list
				if [ "$cmd" = import ] && [ ${#operands[@]} -eq 0 ]; then sub=$w; else operands+=("$w"); fi
				;;
			*) operands+=("$w") ;;
			esac
		fi
		i=$((i + 1))
	done

	if [ -z "$cmd" ]; then
		case $prev in
		-C | --root)
			COMPREPLY=($(compgen -d -- "$cur"))
			return
			;;
		esac
		if [ "${cur#-}" != "$cur" ]; then
			COMPREPLY=($(compgen -W "-C --root --help --version" -- "$cur"))
		else
			words=$(_claimtrail_words -- --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
		fi
		return
	fi
	if [ -n "$subs" ] && [ -z "$sub" ]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi

	# an option's value
	case $prev in
	--status)
		words=$(_claimtrail_words "${pre[@]}" -- __complete statuses)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
		;;
	--verdict)
		words=$(_claimtrail_words "${pre[@]}" -- __complete verdicts)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
		;;
	--outcome)
		COMPREPLY=($(compgen -W "upheld rejected" -- "$cur"))
		return
		;;
	--format)
		if [ "$cmd" = export ]; then
			COMPREPLY=($(compgen -W "jsonld markup-page" -- "$cur"))
			return
		fi
		;;
	--role)
		COMPREPLY=($(compgen -W "said-by reported-by cited-by recorded-by" -- "$cur"))
		return
		;;
	--depends-on)
		words=$(_claimtrail_words "${pre[@]}" -- __complete claims)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
		;;
	--can-revoke)
		words=$(_claimtrail_words "${pre[@]}" -- __complete keys)
		COMPREPLY=($(compgen -W "all $words" -- "$cur"))
		return
		;;
	--source | --evidence | --said-by | --reported-by | --cited-by | --recorded-by)
		if [ "$cmd" != suggest ]; then
			words=$(_claimtrail_words "${pre[@]}" -- __complete sources)
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
			return
		fi
		;;
	--key | -k | --passphrase-file | --file | --output | -o | --trust | --source-text | \
		--seed-file | --proof | --from | --to | --state)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac

	# an option
	if [ "${cur#-}" != "$cur" ]; then
		words=$(_claimtrail_words "${pre[@]}" -- $cmd $sub --help |
			grep -o -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi

	# an operand
	local kind=""
	case "$cmd${sub:+ $sub}" in
	show | cat | annotate | dispute | sign-off | "claim revise" | "claim retract" | "anchor check")
		[ ${#operands[@]} -eq 0 ] && kind=claims
		;;
	compare | "claim link")
		kind=claims
		;;
	log | diff)
		[ ${#operands[@]} -eq 0 ] && kind="claims sources"
		;;
	resolve)
		if [ ${#operands[@]} -eq 0 ]; then
			kind=claims
		elif [ ${#operands[@]} -eq 1 ]; then
			words=$(_claimtrail_words "${pre[@]}" -- __complete annotations "${operands[0]}" |
				grep '^dispute-')
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
			return
		fi
		;;
	"source revise" | "source show" | "source retract")
		[ ${#operands[@]} -eq 0 ] && kind=sources
		;;
	"trust remove")
		[ ${#operands[@]} -eq 0 ] && kind=keys
		;;
	import)
		COMPREPLY=($(compgen -f -- "$cur"))
		[ ${#operands[@]} -eq 0 ] && COMPREPLY+=($(compgen -W "claimreview" -- "$cur"))
		return
		;;
	publish | "export claimreview" | "export annotations" | "export prov" | "export dot")
		kind=claims
		;;
	"key revoke")
		[ ${#operands[@]} -eq 0 ] && kind=keys
		;;
	fetch | pull | push | sync)
		# a remote of git's configuration (-C DIR as given to claimtrail)
		if [ ${#operands[@]} -eq 0 ]; then
			local -a gitc=()
			for ((i = 0; i < ${#pre[@]}; i++)); do
				[ "${pre[i]}" = -C ] && gitc=(-C "${pre[i + 1]}")
			done
			words=$(git "${gitc[@]}" remote 2>/dev/null)
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
		fi
		return
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac
	words=""
	for w in $kind; do
		words="$words $(_claimtrail_words "${pre[@]}" -- __complete "$w")"
	done
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}

complete -F _claimtrail claimtrail
