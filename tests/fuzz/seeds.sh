#!/bin/sh
# seeds.sh - (re)make the seed corpora of tests/fuzz/corpus/ from the
# repository's fixtures and schemas, and the archive seeds with the built
# wsmigrate binary.  Run it when a format changes; the result is checked in.
#   tests/fuzz/seeds.sh [--bin ./wsmigrate]
# Seeds stay small (at most a few KB): libFuzzer mutates them, it does not
# need them large.  The validate seeds from the JSON Schema Test Suite were
# copied once with the schemas of tests/fuzz/schemas/ and are kept as they are.
set -eu
BIN=./wsmigrate
[ "${1:-}" = --bin ] && BIN=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
C=tests/fuzz/corpus
mkdir -p $C/jsonread $C/schema_compile $C/validate $C/manifest $C/archive $C/glob $C/init $C/init_paths

# small JSON files of the fixtures (name: fixture path with '/' -> '_')
seed_json() {  # seed_json DEST-DIR MAX-BYTES FILES...
	dest=$1 max=$2; shift 2
	for f in "$@"; do
		[ -f "$f" ] && [ "$(wc -c <"$f")" -le "$max" ] || continue
		cp "$f" "$dest/$(echo "$f" | sed 's|^fixtures/||; s|/|_|g' | LC_ALL=C tr -c 'A-Za-z0-9._\n-' '_')"
	done
}
# (fixture paths hold no blanks)
# shellcheck disable=SC2046
seed_json $C/jsonread 2048 $(find fixtures/edge fixtures/messy -name '*.json' | sort | head -40)
printf '\357\273\277{"bom": true}' >$C/jsonread/bom.json
printf '{"n": [0, -0, 1.5e-3, 12345678901234567890, 1E400, -9007199254740993], "s": "\\ud83d\\ude00\\u00e9\\/\\n", "a~b/c": null}' >$C/jsonread/numbers-escapes.json
awk 'BEGIN { for (i = 0; i < 520; i++) printf "["; for (i = 0; i < 520; i++) printf "]" }' >$C/jsonread/deep-520.json
# shellcheck disable=SC2046
seed_json $C/validate 2048 $(find fixtures/workspace fixtures/edge -name '*.json' | sort | head -30)
for f in schema/*.schema.json; do cp "$f" $C/schema_compile/; done
for f in tests/fuzz/schemas/*.json; do cp "$f" $C/schema_compile/"suite-$(basename "$f")"; done

# archives: real runs of the tool on small trees
work=$(mktemp -d /tmp/wsm-seeds.XXXXXX)
trap 'rm -rf "$work"' EXIT
arch() {  # arch NAME TREE [SCHEMA]: migrate TREE, keep its archive as NAME.tar.zst and NAME.tar
	rm -rf "$work/b"
	"$BIN" migrate "$2" --db "sqlite:$work/$1.db" --schema "${3:-fixtures/mini-schema}" \
		--backup-dir "$work/b" --on-invalid skip -q >/dev/null 2>&1 || true
	a=$(ls "$work"/b/*.tar.zst)
	cp "$a" "$C/archive/$1.tar.zst"
	zstd -q -d -c "$a" >"$C/archive/$1.tar"
}
mkdir -p "$work/t1/agent_workspaces/Agent-1"
printf '{"agent_id": "Agent-1", "status": "busy"}\n' >"$work/t1/agent_workspaces/Agent-1/status.json"
arch one-file "$work/t1"
arch mini fixtures/mini
# paths the fuzz target's restore folder makes hostile: "link" is a symlink
# there, "exists.json" a file with other content
mkdir -p "$work/t2/link" "$work/t2/d e/ü"
printf '{"x": 1}\n' >"$work/t2/link/evil.json"
printf '[1, 2]\n' >"$work/t2/exists.json"
printf '{}' >"$work/t2/d e/ü/n.json"
chmod 600 "$work/t2/d e/ü/n.json"
touch -d '1999-12-31 23:59:59.123456789' "$work/t2/exists.json"
arch hostile-paths "$work/t2"

# manifests with paths to classify (see fuzz_manifest.c for the format)
{ cat fixtures/mini-schema/migration.json; printf '\n----\n'
  (cd fixtures/mini && find . -type f | sed 's|^\./||' | sort); } >$C/manifest/mini-with-paths
{ cat schema/migration.json; printf '\n----\n'
  (cd fixtures/workspace && find . -type f | sed 's|^\./||' | sort | head -40); } >$C/manifest/default-with-paths

# globs: PATTERN NUL PATH (see fuzz_glob.c)
n=0
jq -r '.rules[].match // empty | if type == "string" then . else .[] end' schema/migration.json \
	fixtures/mini-schema/migration.json | sort -u | head -20 | while read -r g; do
	n=$((n + 1))
	p=$(cd fixtures/workspace && find . -type f -name '*.json' | sed 's|^\./||' | sort | sed -n "${n}p")
	printf '%s\0%s' "$g" "$p" >$C/glob/rule-$n
done


# init: a few small files of each genlayout layout, "relpath\nbytes", NUL
# between files (see fuzz_init.c); init_paths: the paths of each layout
GEN=build/tools/genlayout
if [ -x "$GEN" ]; then
	mkdir -p $C/init $C/init_paths
	for layout in swarm crew flat nested mixed; do
		rm -rf "$work/g"
		"$GEN" -q --layout $layout --files 30 --seed 3 --broken 0.1 --out "$work/g" --list "$work/g.list"
		cut -f1 "$work/g.list" | head -n 120 >$C/init_paths/$layout
		: >$C/init/$layout
		n=0
		cut -f1,2 "$work/g.list" | grep -E '	(clean|broken|shape)$' | cut -f1 |
			awk 'NR % 5 == 1' | head -n 8 | while IFS= read -r f; do
			[ "$(wc -c <"$work/g/$f")" -le 600 ] || continue
			{ [ -s $C/init/$layout ] && printf '\0'; printf '%s\n' "$f"; cat "$work/g/$f"; } >>$C/init/$layout
		done
	done
else
	echo "seeds: $GEN not built (make $GEN): init seeds left as they are"
fi
echo "seeds: $(find $C -type f | wc -l) files under $C"
