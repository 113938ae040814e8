#!/bin/sh
# mkman.sh BIN TEMPLATE [SHAREDIR] > wsmigrate.1   (TEMPLATE: doc/wsmigrate.1.in)
# The man page from the binary's own --help: @SYNOPSIS@ becomes the usage
# lines of `BIN --help`, @COMMANDS@ one section per command holding the text
# of `BIN CMD --help`.  The rest of the page is the template's.
set -eu
BIN=$1
TEMPLATE=$2
SHAREDIR=${3:-/usr/local/share/wsmigrate}

# roff-escape text for a no-fill block: backslashes, leading dots and quotes
esc() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/' -e 's/-/\\-/g'; }

synopsis() {
	"$BIN" --help | sed -n 's/^  wsmigrate \(.*\)/\1/p' | while IFS= read -r line; do
		printf '.B wsmigrate\n%s\n.br\n' "$(printf '%s\n' "$line" | esc)"
	done
}

commands() {
	"$BIN" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' |
	while IFS= read -r cmd; do
		printf '.SS %s\n' "$cmd"
		"$BIN" --help | awk -v c="$cmd" '/^commands:/ { on = 1; next } on && /^$/ { exit }
			on && $1 == c { $1 = ""; sub(/^ +/, ""); print }' | esc
		printf '.PP\n.nf\n'
		"$BIN" "$cmd" --help | esc
		printf '.fi\n'
	done
}

VERSION=$("$BIN" --version | sed 's/^wsmigrate //')
while IFS= read -r line; do
	case "$line" in
	@SYNOPSIS@) synopsis ;;
	@COMMANDS@) commands ;;
	*) printf '%s\n' "$line" | sed -e "s|@VERSION@|$VERSION|g" -e "s|@SHAREDIR@|$SHAREDIR|g" ;;
	esac
done < "$TEMPLATE"
