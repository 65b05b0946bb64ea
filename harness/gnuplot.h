/* Running gnuplot from the harness. */
#ifndef CONVBENCH_GNUPLOT_H
#define CONVBENCH_GNUPLOT_H
#include <stddef.h>

/* Run GNUPLOT -e ASSIGNMENTS SCRIPT with posix_spawnp (the process has
 * OpenMP threads, and a forked child of a threaded process may only exec),
 * keeping its output to quote the last line if it fails. 0, or -1 with err. */
int gnuplot_run(const char *gnuplot, const char *assignments, const char *script, char *err,
                size_t errlen);
#endif
