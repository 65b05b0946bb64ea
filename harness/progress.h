/* A progress line on stderr for long runs, only when stderr is a terminal. */
#ifndef CONVBENCH_PROGRESS_H
#define CONVBENCH_PROGRESS_H

typedef struct progress {
    int enabled;
    double start;
    double total_work, done_work; /* flops-weighted steps */
} progress;

void progress_init(progress *pr, double total_work);
/* Show: [layer i/n] layer impl threads elapsed, ~left. */
void progress_show(progress *pr, int layer_i, int nlayers, const char *layer, const char *impl,
                   int threads);
void progress_advance(progress *pr, double work);
/* Clear the line before ordinary output. */
void progress_clear(progress *pr);
#endif
