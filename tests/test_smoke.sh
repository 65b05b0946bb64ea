#!/bin/sh
# A whole run of configs/smoke.yaml, as `make bench CONFIG=smoke.yaml` does
# it: the CSV, samples, Google Benchmark JSON and charts exist and are
# well-formed, every row is ok or unsupported, and results/latest points there.
. "$(dirname "$0")/lib.sh"
test_init smoke "$@"

$CB run smoke.yaml --results "$T" > "$T/log" 2>&1; st=$?
[ $st -eq 0 ] && ok || { bad "run exited $st"; cat "$T/log" >&2; }
run=$(ls -d "$T"/smoke-* 2>/dev/null | head -1)
[ -n "$run" ] && ok || bad "no run directory"
[ "$(readlink "$T/latest")" = "$(basename "$run")" ] && ok || bad "latest does not point at the run"
csv="$run/results.csv"
head -1 "$csv" | grep -q '^layer,shape,impl,threads,status,median_ms,min_ms' && ok || bad "CSV header"
ncol=$(head -1 "$csv" | awk -F, '{print NF}')
layers=$(grep -c '^  - ' configs/smoke.yaml)
targets=$($CB list | awk 'NR>3 && /^[a-z]/' | wc -l)   # after the cpu, fingerprint and header lines
rows=$(($(wc -l < "$csv") - 1))
[ "$rows" -eq $((layers * (targets + 1))) ] && ok || bad "$rows rows, want $layers layers x ($targets targets + best)"
[ "$(grep -c '^[^,]*,[^,]*,best,1,ok,' "$csv")" -eq "$layers" ] && ok || bad "one best row per layer"
# Every row: ok or unsupported; ok rows carry a positive median and GFLOP/s.
awk -F, -v n="$ncol" 'NR > 1 && $0 !~ /"/ {
    if ($5 != "ok" && $5 != "unsupported") { print "row " NR ": status " $5; bad = 1 }
    if ($5 == "ok" && !($6 > 0 && $13 > 0 && $14 > 0)) { print "row " NR ": no timing or pct_peak"; bad = 1 }
    if (NF != n) { print "row " NR ": " NF " fields, want " n; bad = 1 }
} END { exit bad }' "$csv" && ok || bad "CSV rows"
[ "$(awk -F, 'NR > 1' "$run/samples.csv" | wc -l)" -ge "$rows" ] && ok || bad "samples.csv"
head -1 "$csv" | awk -F, '$13 == "gflops" && $14 == "pct_peak" {ok = 1} END {exit !ok}' && ok || bad "gflops/pct_peak columns moved: update this test"
ls "$T"/machine/peak-*.txt >/dev/null 2>&1 && ok || bad "no stored peak table"
for png in "$run"/gflops_t1.png "$run"/speedup_t1.png; do
    [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && [ "$(wc -c < "$png")" -gt 5000 ] && ok || bad "chart $png"
done
grep -q '"benchmarks"' "$run/gbench.json" && ok || bad "gbench.json"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["benchmarks"]) > 0' "$run/gbench.json" && ok || bad "gbench.json is not valid JSON"
fi
cmp -s configs/smoke.yaml "$run/config.yaml" && ok || bad "config copy"
# Cold cache and two thread counts: serial kernels say so at 2 threads, the
# oneDNN peers run there; cold rows are timed like warm ones.
printf 'impls: [naive, im2col_gemm, onednn_blocked]\nthreads: [1, 2]\ncache: cold\nrepetitions: 3\nmin_time: 0.01\nlayers:\n  - mb1ic8ih12oc8oh12kh3ph1n"cold3x3"\n' > "$T/cold.yaml"
$CB run "$T/cold.yaml" --results "$T/cold" > "$T/cold.log" 2>&1 && ok || { bad "cold run"; cat "$T/cold.log" >&2; }
ccsv=$(ls "$T"/cold/cold-*/results.csv)
[ "$(grep -v ',best,' "$ccsv" | grep -c ',1,ok,')" -eq 3 ] && ok || bad "cold: 3 ok rows at 1 thread"
grep -q '^cold3x3,[^,]*,onednn_blocked,2,ok,' "$ccsv" && ok || bad "cold: onednn_blocked at 2 threads"
grep -q '^cold3x3,[^,]*,naive,2,unsupported,.*serial implementation' "$ccsv" && ok || bad "cold: naive at 2 threads unsupported"
# OMP_NUM_THREADS decides what "threads: max" means, and is recorded.
printf 'impls: [naive_omp, onednn]\nthreads: [max]\nrepetitions: 2\nmin_time: 0.01\nlayers:\n  - {name: omp, c: 4, h: 9, k: 6, r: 3}\n' > "$T/omp.yaml"
OMP_NUM_THREADS=3 $CB run "$T/omp.yaml" --results "$T/omp" > "$T/omp.log" 2>&1 && ok || { bad "omp run"; cat "$T/omp.log" >&2; }
ocsv=$(ls "$T"/omp/omp-*/results.csv)
[ "$(grep -v ',best,' "$ocsv" | grep -c '^omp,[^,]*,[a-z_]*,3,ok,.*OMP_NUM_THREADS=3')" -eq 2 ] && ok || bad "OMP_NUM_THREADS=3: rows at 3 threads with the variable recorded"
test_finish
