#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "util.h"

void progress_init(progress *pr, double total_work) {
    pr->enabled = isatty(STDERR_FILENO);
    pr->start = cb_now();
    pr->total_work = total_work > 0 ? total_work : 1;
    pr->done_work = 0;
}

static void fmt_time(char *out, size_t len, double s) {
    int t = (int)(s + 0.5);
    if (t >= 3600) snprintf(out, len, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    else snprintf(out, len, "%d:%02d", t / 60, t % 60);
}

void progress_show(progress *pr, int layer_i, int nlayers, const char *layer, const char *impl,
                   int threads) {
    if (!pr->enabled) return;
    double el = cb_now() - pr->start, frac = pr->done_work / pr->total_work;
    char e[16], l[16] = "?";
    fmt_time(e, sizeof e, el);
    /* The estimate needs some finished work to mean anything. */
    if (frac > 0.02) fmt_time(l, sizeof l, el / frac - el);
    fprintf(stderr, "\r\033[K[layer %d/%d] %s  %s  threads %d  elapsed %s  left ~%s", layer_i,
            nlayers, layer, impl, threads, e, l);
    fflush(stderr);
}

void progress_advance(progress *pr, double work) { pr->done_work += work; }

void progress_clear(progress *pr) {
    if (pr->enabled) fprintf(stderr, "\r\033[K");
}
