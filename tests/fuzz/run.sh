#!/bin/sh
# run.sh - build the libFuzzer targets, replay every seed and every saved
# reproducer through them, then fuzz each target for a while.
#
#   tests/fuzz/run.sh [--seconds N] [--only NAME] [--no-build]
#
#   --seconds N   fuzz each target N seconds after the replay (default 10;
#                 0: replay only)
#   --only NAME   one target (jsonread, schema_compile, validate, manifest,
#                 archive, glob, init, init_paths)
#   --no-build    use build-fuzz/fuzz/ as it is
#
# Per target NAME (tests/fuzz/fuzz_NAME.c):
#   corpus/NAME/          seeds, checked in; replayed, then fuzzed from
#   repro/NAME/*          reproducers of fixed bugs: each must pass
#   repro/NAME/pending/*  reproducers of bugs not fixed yet: listed, not
#                         replayed; pending/lsan.supp and pending/ubsan.supp
#                         suppress exactly those findings while fuzzing
#   NAME.dict             libFuzzer dictionary
# New inputs found while fuzzing go to a temporary folder, never into the
# corpus; a crash is copied to build-fuzz/artifacts/ and named in the output.
# Skips (exit 0, saying so) when clang or libFuzzer's runtime is missing.
# Exit 1 when a replay or a fuzzing run fails.
set -u
SECONDS_EACH=10
ONLY=
BUILD=1
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECONDS_EACH=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
F=tests/fuzz
OUT=build-fuzz

echo "== fuzzing (libFuzzer, ASan+UBSan): replay, then ${SECONDS_EACH}s per target"
if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: fuzzing: clang not found (apt-get install clang libclang-rt-dev)"
	exit 0
fi
probe=$(mktemp -d /tmp/wsm-fuzz-probe.XXXXXX)
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	>"$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1 ||
	! "$probe/p" -runs=1 >>"$probe/log" 2>&1; then
	echo "SKIP: fuzzing: clang cannot link libFuzzer (apt-get install libclang-rt-dev):"
	tail -n 3 "$probe/log" | sed 's/^/    /'
	rm -rf "$probe"
	exit 0
fi
rm -rf "$probe"

if [ $BUILD = 1 ]; then
	log=$(mktemp /tmp/wsm-fuzz-build.XXXXXX)
	if ! ${MAKE:-make} --no-print-directory fuzz-build >"$log" 2>&1; then
		echo "FAIL: make fuzz-build"
		tail -n 30 "$log" | sed 's/^/    /'
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
fi

WORK=$(mktemp -d /tmp/wsm-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
export WSM_ROOT="$ROOT"
fail=0
summary=""

for bin in "$OUT"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	t=${bin##*/fuzz_}
	[ -n "$ONLY" ] && [ "$t" != "$ONLY" ] && continue
	ok=PASS
	# known findings not fixed yet: suppressed by name, and said so
	lsan="" ubsan="halt_on_error=1:print_stacktrace=1"
	if [ -f "$F/repro/$t/pending/lsan.supp" ]; then
		lsan="suppressions=$ROOT/$F/repro/$t/pending/lsan.supp"
		echo "NOTE $t: known leak suppressed while its fix is pending ($F/repro/$t/pending/lsan.supp)"
	fi
	if [ -f "$F/repro/$t/pending/ubsan.supp" ]; then
		ubsan="$ubsan:suppressions=$ROOT/$F/repro/$t/pending/ubsan.supp"
		echo "NOTE $t: known undefined behaviour suppressed while its fix is pending ($F/repro/$t/pending/ubsan.supp)"
	fi
	for p in "$F/repro/$t/pending"/*; do
		[ -f "$p" ] || continue
		case "$p" in *.supp|*/README*) continue ;; esac
		echo "PENDING $t: $p (reproducer of a bug not fixed yet: not replayed)"
	done
	run() { LSAN_OPTIONS="$lsan" UBSAN_OPTIONS="$ubsan" "$@"; }

	# 1. replay: the seeds, then each saved reproducer
	n_seeds=$(find "$F/corpus/$t" -type f 2>/dev/null | wc -l)
	if [ "$n_seeds" -gt 0 ] && ! run "$bin" -runs=0 "$F/corpus/$t" >"$WORK/$t.replay" 2>&1; then
		echo "FAIL $t: replaying $F/corpus/$t"
		grep -E 'invariant|ERROR|SUMMARY|runtime error|Test unit' "$WORK/$t.replay" | head -n 12 | sed 's/^/    /'
		ok=FAIL
	fi
	n_repro=0
	for r in "$F/repro/$t"/*; do
		[ -f "$r" ] || continue
		case "$r" in */README*) continue ;; esac
		n_repro=$((n_repro + 1))
		if ! run "$bin" "$r" >"$WORK/$t.repro" 2>&1; then
			echo "FAIL $t: reproducer $r fails again"
			grep -E 'invariant|ERROR|SUMMARY|runtime error' "$WORK/$t.repro" | head -n 12 | sed 's/^/    /'
			ok=FAIL
		fi
	done

	# 2. fuzz, from the seeds, into a scratch corpus
	execs=0 secs=0
	if [ "$SECONDS_EACH" -gt 0 ] && [ $ok = PASS ]; then
		mkdir -p "$WORK/$t" "$OUT/artifacts"
		dict=
		[ -f "$F/$t.dict" ] && dict="-dict=$F/$t.dict"
		start=$(date +%s)
		if ! run "$bin" -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2560 \
			-print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t-" $dict \
			"$WORK/$t" "$F/corpus/$t" >"$WORK/$t.fuzz" 2>&1; then
			ok=FAIL
			echo "FAIL $t: fuzzing found a problem:"
			grep -E 'invariant|ERROR|SUMMARY|runtime error|#[0-9]+ 0x.* in [a-z_]+ .*src/|Test unit written' \
				"$WORK/$t.fuzz" | head -n 20 | sed 's/^/    /'
			echo "    replay it: WSM_ROOT=$ROOT $bin <the test unit above>"
			echo "    keep it: copy it to $F/repro/$t/ (or $F/repro/$t/pending/ until the fix lands)"
		fi
		secs=$(( $(date +%s) - start ))
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$t.fuzz" | tail -n 1)
		[ -n "$execs" ] || execs=0
	fi
	[ $ok = PASS ] || fail=1
	echo "$ok $t: replayed $n_seeds seeds and $n_repro reproducers; fuzzed ${secs}s, $execs executions"
	summary="$summary$(printf '%-15s %-5s %6s %6s %12s' "$t" "$ok" "$((n_seeds + n_repro))" "$secs" "$execs")
"
done
echo
printf '%-15s %-5s %6s %6s %12s\n' target result inputs secs executions
printf '%s' "$summary"
exit $fail
