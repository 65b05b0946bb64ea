/* A cheap pick of an implementation from the shape alone, written as a
 * table of rules (harness/heuristic.c), and how much slower its picks are
 * than the measured best (its regret). */
#ifndef CONVBENCH_HEURISTIC_H
#define CONVBENCH_HEURISTIC_H
#include "conv.h"
#include "wisdom.h"

/* The first rule that matches p and names an implementation this CPU runs
 * on p with nthreads; why says which rule. NULL if none does. */
const conv_impl *heuristic_pick(const conv_problem *p, int nthreads, const char **why);

/* Prints, for every (shape, threads) this machine's wisdom holds, the
 * measured best, the heuristic's pick and its regret (pick time / best
 * time), and the geometric mean. Returns the number of keys compared. */
int heuristic_regret_report(const wisdom *w, const char *fingerprint);
#endif
