. "$WSM_ROOT/tests/cli/lib.sh"
# (issue 13) every --help lists every option its command accepts; the man
# page is made from --help (doc/mkman.sh) and documents every command and
# option with examples, never pointing at README.md; the README's command
# reference names every option of --help; bash completion completes
# commands, options and run ids; make install installs man page and
# completions.
cmds=$("$WSM_BIN" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
[ -n "$cmds" ] || fail "no commands in --help"
# the forms an option line of CMD --help gives ("-q, --quiet" -> -q --quiet)
opt_lines() { "$WSM_BIN" "$1" --help | sed -n 's/^  *\(-[^ ].*\)$/\1/p' | sed 's/  .*//'; }

# 1. --help lists every option of the command's getopt table.
for c in $cmds; do
	src="$WSM_ROOT/src/cli/cmd_$c.c"
	[ -f "$src" ] || fail "no source for command $c"
	listed=$(opt_lines "$c" | grep -oE -- '-{1,2}[a-zA-Z][a-zA-Z-]*' | tr '\n' ' ')
	for o in $(sed -n '/long_opts\[\] = {/,/^};/p' "$src" | grep -o '{ "[a-z-]*"' | sed 's/{ "//;s/"//'); do
		case " $listed " in *" --$o "*) ;; *) fail "$c --help does not list --$o" ;; esac
	done
done

# 2. the man page, made from --help
sh "$WSM_ROOT/doc/mkman.sh" "$WSM_BIN" "$WSM_ROOT/doc/wsmigrate.1.in" > wsmigrate.1 || fail "mkman.sh failed"
grep -qi "readme" wsmigrate.1 && fail "the man page points at README, which is not installed"
if command -v groff >/dev/null 2>&1; then
	groff -man -Tutf8 -ww -z wsmigrate.1 2> groff.txt
	[ -s groff.txt ] && { cat groff.txt; fail "groff warnings"; }
	groff -man -Tascii wsmigrate.1 | col -b > man.txt
else
	sed -e 's/\\-/-/g' -e 's/\\e/\\/g' wsmigrate.1 > man.txt
fi
for c in $cmds; do
	grep -q "^\.SS $c\$" wsmigrate.1 || fail "man page lacks a section for $c"
	for o in $(opt_lines "$c" | grep -oE -- '--[a-zA-Z][a-zA-Z-]*'); do
		grep -q -- "$o" man.txt || fail "man page lacks $c $o"
	done
	# an example of each command
	sed -n '/^EXAMPLES/,/^[A-Z]/p' man.txt | grep -q "wsmigrate $c" ||
		fail "man page EXAMPLES lack 'wsmigrate $c'"
done
for s in SYNOPSIS DESCRIPTION COMMANDS EXAMPLES ENVIRONMENT "EXIT STATUS"; do
	grep -q "^$s" man.txt || fail "man page lacks $s"
done

# 3. README's command reference names every option of --help (long or short)
for c in $cmds; do
	sec=$(awk -v h="### $c" '$0 == h { on = 1; next } on && /^##/ { exit } on' "$WSM_ROOT/README.md")
	[ -n "$sec" ] || fail "README has no '### $c'"
	opt_lines "$c" | while IFS= read -r line; do
		case "$line" in *--help*) continue ;; esac
		found=0
		for f in $(printf '%s\n' "$line" | grep -oE -- '-{1,2}[a-zA-Z][a-zA-Z-]*'); do
			printf '%s\n' "$sec" | grep -q -- "$f\b" && found=1
		done
		[ $found = 1 ] || { echo "README ### $c lacks: $line"; exit 1; }
	done || fail "README out of line with $c --help"
done

# 4. bash completion: commands, options, run ids of the --db on the line
if command -v bash >/dev/null 2>&1; then
	tree mini
	wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
	expect_status 0
	rid=$(jget .run_id)
	complete_words() {   # complete_words WORD...: COMPREPLY for the last word
		bash -c '. "$1/completion/wsmigrate.bash"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _wsmigrate
			printf "%s\n" "${COMPREPLY[@]}"' _ "$WSM_ROOT" "$WSM_BIN" "$@"
	}
	complete_words ro | grep -qx rollback || fail "bash: command not completed"
	complete_words help mi | grep -qx migrate || fail "bash: help CMD not completed"
	complete_words migrate tree --on | grep -qx -- --on-invalid || fail "bash: option not completed"
	complete_words rollback --d | grep -qx -- --dry-run || fail "bash: rollback option"
	complete_words rollback --db "$DB" --run "" | grep -qx -- "$rid" || fail "bash: run id not completed"
	complete_words backups verify --db "$DB" "" | grep -qx -- "$rid" || fail "bash: backups run id"
	complete_words migrate tree --format "" | grep -qx json || fail "bash: --format values"
fi
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$WSM_ROOT/completion/_wsmigrate" || fail "zsh completion does not parse"
fi

# 5. make install puts the man page and both completions in place (make -n:
# the recipe, without building or installing anything from a test)
if command -v make >/dev/null 2>&1; then
	make -n -C "$WSM_ROOT" install DESTDIR="$WSM_WORK/inst" PREFIX=/usr > make.txt 2>&1 ||
		{ cat make.txt; fail "make -n install"; }
	for f in bin/wsmigrate share/man/man1/wsmigrate.1 \
		 share/bash-completion/completions/wsmigrate share/zsh/site-functions/_wsmigrate; do
		grep -q -- "$WSM_WORK/inst/usr/$f" make.txt || { cat make.txt; fail "make install does not install $f"; }
	done
	grep -q "doc/mkman.sh" "$WSM_ROOT/Makefile" || fail "the Makefile does not make the man page from --help"
fi
exit 0
