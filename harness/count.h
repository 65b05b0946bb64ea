/* The deterministic performance gate: instruction counts under valgrind's
 * callgrind, which do not depend on machine load.
 *
 * `convbench count CONFIG [--impl NAME]...` (hidden; what runs under
 * valgrind) sets up every layer of CONFIG and runs each implementation once
 * at one thread through convbench_counted_run(), the only function callgrind
 * collects in (--collect-atstart=no --toggle-collect=convbench_counted_run),
 * dumping after each call (--dump-after=...), so setup, data generation and
 * weight packing are not counted. It prints, in call order, "row\tLAYER\tIMPL"
 * before each counted call and the ISA path conv_cpu_isa() picked (valgrind
 * hides AVX-512, so the counted path is AVX2 on an AVX-512 machine).
 *
 * `convbench perf-check [CONFIG] [--baseline FILE] [--update] [--threshold PCT]`
 * runs that under valgrind (CONFIG defaults to configs/perf.yaml, FILE to
 * results/baselines/<config>.txt in the source tree), and either writes the
 * baseline (--update: `make perf-baseline`) or compares with it: a row whose
 * count grew more than PCT percent (default 2) fails and is named; a baseline
 * counted on another ISA path fails with a message to refresh it.
 *
 * CONVBENCH_COUNT_REPEAT=IMPL:N[,IMPL:N...], read only by the count mode,
 * runs the named implementations N times inside the counted call: a
 * deliberately slowed kernel, to show the gate trips (tests/test_perfgate.sh). */
#ifndef CONVBENCH_COUNT_H
#define CONVBENCH_COUNT_H

int cmd_count(int argc, char **argv);
int cmd_perf_check(int argc, char **argv);
extern const char *const count_usage;      /* for `convbench help perf-check` */
#endif
