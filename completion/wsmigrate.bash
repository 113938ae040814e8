# bash completion for wsmigrate: commands, options and run ids.
# Installed by `make install` into share/bash-completion/completions/.
# Commands and options are read from the binary's own --help, so they never
# disagree with it; run ids from `wsmigrate runs` on the --db of the line.

_wsmigrate_commands() {
	"$1" --help 2>/dev/null |
		awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}

_wsmigrate_options() {   # the options CMD --help lists
	"$1" "$2" --help 2>/dev/null | sed -n 's/^  *\(-[^ ].*\)$/\1/p' |
		sed 's/  .*//' | grep -oE -- '-{1,2}[a-zA-Z][a-zA-Z-]*'
}

_wsmigrate_runs() {      # run ids of the database named on the line
	local i db=
	for ((i = 2; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--db) db=${COMP_WORDS[i + 1]} ;;
		--db=*) db=${COMP_WORDS[i]#--db=} ;;
		esac
	done
	"$1" runs ${db:+--db "$db"} 2>/dev/null |
		awk 'NR > 1 && $1 ~ /^[0-9]+T[0-9]+Z/ { print $1 }'
}

_wsmigrate() {
	local bin=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]} cmd=${COMP_WORDS[1]:-}

	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "$(_wsmigrate_commands "$bin") help --help --version" -- "$cur"))
		return
	fi
	if [[ $cmd == help ]]; then
		((COMP_CWORD == 2)) &&
			COMPREPLY=($(compgen -W "$(_wsmigrate_commands "$bin")" -- "$cur"))
		return
	fi
	case $prev in
	--run) COMPREPLY=($(compgen -W "latest $(_wsmigrate_runs "$bin")" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "text json html" -- "$cur")); return ;;
	--on-invalid) COMPREPLY=($(compgen -W "abort skip" -- "$cur")); return ;;
	--schema|--backup-dir|--to|-o|--output)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--db|--from|--against|--map-uri|--max-file-size|--tenant)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_wsmigrate_options "$bin" "$cmd")" -- "$cur"))
		return
	fi
	case $cmd in
	backups)
		if ((COMP_CWORD == 2)); then
			COMPREPLY=($(compgen -W "list verify" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_wsmigrate_runs "$bin")" -- "$cur")
				   $(compgen -f -- "$cur"))
		fi ;;
	runs|rollback|promote) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -o filenames -F _wsmigrate wsmigrate
