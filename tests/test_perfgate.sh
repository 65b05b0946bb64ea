#!/bin/sh
# The instruction-count gate (convbench perf-check, valgrind's callgrind) can
# fail: on a small config, a fresh baseline passes with identical counts run
# after run; a deliberately slowed kernel (CONVBENCH_COUNT_REPEAT, read only
# by the count mode: im2col_gemm's run twice inside the counted call) trips
# it and is named, and only it; a baseline counted on another ISA path fails
# with a message to refresh it; a missing baseline or valgrind is bad input.
# Exit 77 (skipped) without valgrind.
. "$(dirname "$0")/lib.sh"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not installed (Debian package valgrind): skipped"
    exit 77
fi
test_init perfgate "$@"

cat > "$T/gate.yaml" <<'EOF'
impls: [naive, reorder, im2col_gemm]
layers:
  - {name: c3, c: 8, h: 10, k: 8, r: 3, pad: 1}
  - {name: s2, c: 4, h: 9, k: 8, r: 3, stride: 2, bias: true}
EOF
B="$T/baseline.txt"

$CB perf-check "$T/gate.yaml" --baseline "$B" --update > "$T/update.log" 2>&1; st=$?
[ $st -eq 0 ] && ok || { bad "--update exited $st"; cat "$T/update.log" >&2; }
isa=$(awk -F'\t' '$1 == "isa" {print $2}' "$B")
[ -n "$isa" ] && ok || bad "no isa line in the baseline"
[ "$(grep -c '^row	' "$B")" -eq 6 ] && ok || bad "baseline: want 6 rows (2 layers x 3 implementations)"
awk -F'\t' '$1 == "row" && !($4 > 1000) {bad = 1} END {exit bad}' "$B" && ok || bad "baseline counts are not instruction counts"
grep -q "ISA path" "$T/update.log" && grep -q "$isa" "$T/update.log" && ok || bad "the counted ISA path is not printed"

# Unchanged code: identical counts, exit 0.
$CB perf-check "$T/gate.yaml" --baseline "$B" > "$T/same.log" 2>&1; st=$?
[ $st -eq 0 ] && ok || { bad "unchanged: exited $st"; cat "$T/same.log" >&2; }
[ "$(grep -c '+0.00%  ok' "$T/same.log")" -eq 6 ] && ok || { bad "unchanged: counts differ between runs"; cat "$T/same.log" >&2; }
grep -q 'PASS' "$T/same.log" && ok || bad "unchanged: no PASS line"

# A slowed kernel trips the gate, and only its rows fail.
CONVBENCH_COUNT_REPEAT=im2col_gemm:2 $CB perf-check "$T/gate.yaml" --baseline "$B" > "$T/slow.log" 2>&1; st=$?
[ $st -eq 1 ] && ok || { bad "slowed kernel: exited $st, want 1"; cat "$T/slow.log" >&2; }
[ "$(grep -c 'im2col_gemm .*FAIL: more instructions' "$T/slow.log")" -eq 2 ] && ok || { bad "slowed kernel: its 2 rows not flagged"; cat "$T/slow.log" >&2; }
grep -E '^(c3|s2) +(naive|reorder) ' "$T/slow.log" | grep -q FAIL && bad "slowed kernel: other rows flagged" || ok
grep -q 'FAIL: 2 row(s) past +2% of the baseline or missing: c3/im2col_gemm' "$T/slow.log" && ok || bad "slowed kernel: summary does not name the rows"
grep -q 'make perf-baseline' "$T/slow.log" && ok || bad "slowed kernel: no hint to refresh the baseline"
# A looser threshold lets it through.
CONVBENCH_COUNT_REPEAT=im2col_gemm:2 $CB perf-check "$T/gate.yaml" --baseline "$B" --threshold 150 > "$T/loose.log" 2>&1
[ $? -eq 0 ] && ok || bad "--threshold 150: a doubled count should pass"

# A baseline from another ISA path: fail, say so, say how to refresh.
sed 's/^isa	.*/isa	some-other-isa/' "$B" > "$T/other.txt"
$CB perf-check "$T/gate.yaml" --baseline "$T/other.txt" > "$T/isa.log" 2>&1; st=$?
[ $st -eq 1 ] && ok || bad "ISA differs: exited $st, want 1"
grep -q "counted on the some-other-isa ISA path, this run on $isa" "$T/isa.log" && grep -q 'make perf-baseline' "$T/isa.log" && ok \
    || { bad "ISA differs: no clear message"; cat "$T/isa.log" >&2; }

# A baseline row that is no longer counted fails.
printf 'row\tc3\tkn2row_gemm\t12345\n' >> "$B"
$CB perf-check "$T/gate.yaml" --baseline "$B" > "$T/missing.log" 2>&1
[ $? -eq 1 ] && grep -q 'kn2row_gemm .*FAIL: in the baseline, not counted now' "$T/missing.log" && ok || bad "a baseline row not counted"

# Bad input: no baseline, no valgrind, a damaged baseline.
$CB perf-check "$T/gate.yaml" --baseline "$T/none.txt" > "$T/none.log" 2>&1
[ $? -eq 2 ] && grep -q 'make perf-baseline' "$T/none.log" && ok || bad "missing baseline: want exit 2 and a hint"
$CB perf-check "$T/gate.yaml" --baseline "$B" --valgrind "$T/no-valgrind" > "$T/nov.log" 2>&1
[ $? -eq 2 ] && grep -q 'install the Debian package valgrind' "$T/nov.log" && ok || bad "no valgrind: want exit 2 and the package"
printf 'isa\tavx2\nrow\tc3\tnaive\tlots\n' > "$T/damaged.txt"
$CB perf-check "$T/gate.yaml" --baseline "$T/damaged.txt" > "$T/dmg.log" 2>&1
[ $? -eq 2 ] && ok || bad "damaged baseline: want exit 2"

test_finish
