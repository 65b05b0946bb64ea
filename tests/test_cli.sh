#!/bin/sh
# The command line as a user meets it: --help answers, bad input gets one
# line naming file, line and field with exit status 2 and leaves no results
# directory behind; `conv` runs on .npy tensors.
. "$(dirname "$0")/lib.sh"
test_init cli "$@"


for c in "" run validate list conv plot peak gemm; do
    $CB help $c >"$T/out" 2>&1 && grep -q "usage: convbench" "$T/out" && ok || bad "help $c"
    [ -n "$c" ] && { $CB $c --help >"$T/out" 2>&1 && grep -q "usage: convbench $c" "$T/out" && ok || bad "$c --help"; }
done
$CB list >"$T/out" 2>&1 && grep -q "^naive " "$T/out" && grep -q "^onednn_blocked " "$T/out" && ok || bad "list"
expect 2 "unknown command" -- $CB frobnicate

# Bad configs: one line, file:line: field, exit 2, no run directory.
mkdir -p "$T/results"
cfg() { printf '%b' "$2" > "$T/$1.yaml"; }
cfg unknown_key   'layers:\n  - mb1ic3ih8oc4oh8kh3ph1\nrepetitons: 3\n'
cfg bad_yaml      'layers:\n  - {c: 3, h: 8\n'
cfg zero_size     'layers:\n  - {c: 0, h: 8, k: 4, r: 3}\n'
cfg non_numeric   'layers:\n  - {c: three, h: 8, k: 4, r: 3}\n'
cfg bad_groups    'layers:\n  - {c: 6, h: 8, k: 4, r: 3, groups: 4}\n'
cfg no_output     'layers:\n  - {c: 3, h: 2, k: 4, r: 5}\n'
cfg unknown_impl  'impls: [naive, fastest_ever]\nlayers:\n  - {c: 3, h: 8, k: 4, r: 3}\n'
cfg bad_desc      'layers:\n  - mb1ic3ih8oc4oh8kh3ph1zz9\n'
cfg huge          'layers:\n  - {n: 100000, c: 1024, h: 1024, k: 1024, r: 3}\n'
for name in unknown_key bad_yaml zero_size non_numeric bad_groups no_output unknown_impl bad_desc huge; do
    expect 2 "$name\.yaml:[0-9]+" -- $CB run "$T/$name.yaml" --results "$T/results"
    [ "$(wc -l < "$T/err")" -eq 1 ] && ok || bad "$name: error is not one line: $(cat "$T/err")"
done
[ -z "$(ls -A "$T/results")" ] && ok || bad "a bad config left a results directory: $(ls "$T/results")"
expect 2 "no-such-config" -- $CB run no-such-config --results "$T/results"
expect 2 "" -- $CB validate "$T/unknown_key.yaml"

# .npy tensors through `conv`: 3x3 ones times 3x3 twos = 18.
npy "$T/src.npy" "(1, 1, 3, 3)" 9 '\000\000\200\077'     # 1.0f
npy "$T/wei.npy" "(1, 1, 3, 3)" 9 '\000\000\000\100'     # 2.0f
for impl in naive reorder im2col_gemm kn2row_gemm onednn onednn_blocked; do
    rm -f "$T/dst.npy"
    expect 0 "" -- $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl $impl --src "$T/src.npy" --wei "$T/wei.npy" --dst "$T/dst.npy"
    [ "$(tail -c 4 "$T/dst.npy" | od -An -tx1 | tr -d ' \n')" = "00009041" ] && ok || bad "conv $impl: dst is not 18.0"
done
npy "$T/wei_bad.npy" "(1, 1, 2, 3)" 6 '\000\000\000\100'
expect 2 "wei_bad.npy: shape \(1, 1, 2, 3\)" -- $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl naive --src "$T/src.npy" --wei "$T/wei_bad.npy" --dst "$T/o.npy"
head -c 100 "$T/src.npy" > "$T/trunc.npy"
expect 2 "trunc.npy" -- $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl naive --src "$T/trunc.npy" --wei "$T/wei.npy" --dst "$T/o.npy"
expect 2 "unknown implementation" -- $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl nope --src "$T/src.npy" --wei "$T/wei.npy" --dst "$T/o.npy"
[ ! -e "$T/o.npy" ] && ok || bad "a failed conv wrote its output"

# --impl auto runs the wisdom's winner for the shape, else the heuristic's pick.
fp=$($CB list | sed -n 's/^wisdom fingerprint: //p')
mkdir -p "$T/auto/results/wisdom"
printf 'v1\t%s\treorder\tmb1ic1ih3oc1oh1kh3\t1\t\t0.001000\t0.001000\t2026-11-23\t\n' "$fp" > "$T/auto/results/wisdom/wisdom-test.tsv"
printf 'v1\t%s\tnaive\tmb1ic1ih3oc1oh1kh3\t1\t\t0.500000\t0.500000\t2026-11-23\t\n' "$fp" >> "$T/auto/results/wisdom/wisdom-test.tsv"
(cd "$T/auto" && $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl auto --src "$T/src.npy" --wei "$T/wei.npy" --dst "$T/auto.npy") > "$T/out" 2>&1
grep -q '^auto: reorder, the fastest measured' "$T/out" && ok || bad "auto did not run the wisdom's winner: $(cat "$T/out")"
printf 'v1\tcpu=elsewhere\tnaive\tmb1ic1ih3oc1oh1kh3\t1\t\t0.000001\t0.5\t2026-11-23\t\n' > "$T/auto/results/wisdom/wisdom-test.tsv"
(cd "$T/auto" && $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl auto --src "$T/src.npy" --wei "$T/wei.npy" --dst "$T/auto.npy") > "$T/out" 2>&1
grep -q '^auto: [a-z_0-9]*, by the shape heuristic' "$T/out" && ok || bad "a foreign wisdom entry was applied: $(cat "$T/out")"
# The winner's tuned parameters come with it.
printf 'v1\t%s\tim2col_gemm\tmb1ic1ih3oc1oh1kh3\t1\tmc=64;kc=32;nc=128;a_ways=0\t0.000100\t0.001000\t2026-11-23\t\n' "$fp" > "$T/auto/results/wisdom/wisdom-test.tsv"
(cd "$T/auto" && $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl auto --src "$T/src.npy" --wei "$T/wei.npy" --dst "$T/auto.npy") > "$T/out" 2>&1
grep -q '^auto: im2col_gemm, the fastest measured .*mc=64;kc=32;nc=128' "$T/out" && ok || bad "auto lost the winner's parameters: $(cat "$T/out")"
# Tuning on first use: nothing measured, --tune quick measures every
# implementation on the shape, keeps the wisdom, and runs the winner; the
# next call finds it without tuning.
mkdir -p "$T/auto2"
(cd "$T/auto2" && $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl auto --tune quick --src "$T/src.npy" --wei "$T/wei.npy" --dst "$T/auto.npy") > "$T/out" 2>&1
grep -q '^auto: nothing measured .*; tuning every implementation' "$T/out" &&
    grep -q '^auto: [a-z_0-9]*, the fastest measured' "$T/out" &&
    [ "$(cut -f3 "$T"/auto2/results/wisdom/*.tsv | sort -u | wc -l)" -ge 5 ] && ok || bad "auto --tune quick: $(tail -5 "$T/out")"
[ "$(tail -c 4 "$T/auto.npy" | od -An -tx1 | tr -d ' \n')" = "00009041" ] && ok || bad "auto --tune quick: dst is not 18.0"
(cd "$T/auto2" && $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl auto --tune quick --src "$T/src.npy" --wei "$T/wei.npy" --dst "$T/auto.npy") > "$T/out" 2>&1
grep -q 'tuning every' "$T/out" && bad "auto tuned again: $(cat "$T/out")" || ok
expect 2 "--tune: 'sometimes' is not a mode" -- $CB conv --shape mb1ic1ih3oc1oh1kh3 --impl auto --tune sometimes --src "$T/src.npy" --wei "$T/wei.npy" --dst "$T/o.npy"

# The ISA cap: with CONVBENCH_MAX_ISA=avx2 the AVX-512 kernels say why they
# do not run, `list` shows the cap, and a run marks their rows unsupported.
if $CB list | grep -q '^direct_avx512 '; then
    CONVBENCH_MAX_ISA=avx2 $CB list > "$T/out" 2>&1
    grep -q 'cap: avx2' "$T/out" && grep -q '^direct_avx512 .*needs avx512f' "$T/out" && ok || bad "ISA cap in list: $(cat "$T/out")"
    printf 'impls: [direct_avx512, direct_avx2]\nrepetitions: 2\nmin_time: 0.005\nlayers:\n  - mb1ic16ih8oc16oh8kh3ph1n"capped"\n' > "$T/cap.yaml"
    CONVBENCH_MAX_ISA=avx2 $CB run "$T/cap.yaml" --results "$T/capres" > "$T/out" 2>&1
    grep -q '^capped,[^,]*,direct_avx512,1,unsupported,.*needs avx512f' "$T"/capres/cap-*/results.csv &&
        grep -q '^capped,[^,]*,direct_avx2,1,ok,' "$T"/capres/cap-*/results.csv && ok || bad "ISA cap in a run: $(cat "$T/out")"
fi

# The GEMM on its own: checked on exact data, then timed beside oneDNN's sgemm.
expect 0 "" -- $CB gemm 33 17 65 --repetitions 2 --min-time 0.001
grep -q '^convbench_gemm ' "$T/out" && grep -q '^onednn_sgemm ' "$T/out" && ok || bad "gemm output: $(cat "$T/out")"
expect 2 "not a positive integer" -- $CB gemm 10 0 3
expect 2 "give M N K" -- $CB gemm 10 3

test_finish
