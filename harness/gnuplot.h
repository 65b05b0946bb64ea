/* Running gnuplot from the harness. */
#ifndef CONVBENCH_GNUPLOT_H
#define CONVBENCH_GNUPLOT_H
#include <stddef.h>

/* Run GNUPLOT -e ASSIGNMENTS SCRIPT with posix_spawnp (the process has
 * OpenMP threads, and a forked child of a threaded process may only exec),
 * keeping its output to quote the last line if it fails. 0, or -1 with err. */
int gnuplot_run(const char *gnuplot, const char *assignments, const char *script, char *err,
                size_t errlen);
/* Append NAME='VALUE'; to buf for gnuplot -e: in single quotes nothing is
 * special but the quote, which is doubled (newlines become spaces). */
void gnuplot_var_string(char *buf, size_t len, const char *name, const char *value);
/* Append NAME=NUMBER; to buf. */
void gnuplot_var_number(char *buf, size_t len, const char *name, double value);
#endif
