#include "csv.h"

#include <string.h>
#include <unistd.h>

#include "machine.h"

const char *const csv_columns =
    "layer,shape,impl,threads,status,median_ms,min_ms,mean_ms,stddev_ms,cv,noisy,"
    "repetitions,gflops,pct_peak,intensity,workspace_bytes,prepare_ms,layout_in_ms,kernel_ms,layout_out_ms,"
    "max_abs_err,max_rel_err,params,tuned_vs_default,note,"
    "cpu,isa,compiler,git,omp_env,timestamp";

void csv_field(FILE *f, const char *s) {
    if (!s) s = "";
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

FILE *csv_create(const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fprintf(f, "%s\n", csv_columns);
    fflush(f);
    return f;
}

static void num(FILE *f, int present, const char *fmt, double v) {
    fputc(',', f);
    if (present) fprintf(f, fmt, v);
}

int csv_append(FILE *f, const result_row *r) {
    const machine_info *m = machine_get();
    csv_field(f, r->layer);
    fputc(',', f);
    csv_field(f, r->shape);
    fputc(',', f);
    csv_field(f, r->impl);
    fprintf(f, ",%d,", r->threads);
    csv_field(f, r->status);
    num(f, r->timed, "%.6f", r->median_ms);
    num(f, r->timed, "%.6f", r->min_ms);
    num(f, r->timed, "%.6f", r->mean_ms);
    num(f, r->timed, "%.6f", r->stddev_ms);
    num(f, r->timed, "%.4f", r->cv);
    num(f, r->timed, "%.0f", r->noisy);
    num(f, r->timed, "%.0f", r->repetitions);
    num(f, r->timed, "%.3f", r->gflops);
    num(f, r->timed && r->pct_peak >= 0, "%.1f", r->pct_peak);
    num(f, r->intensity > 0, "%.3f", r->intensity);
    num(f, r->workspace_bytes >= 0, "%.0f", r->workspace_bytes);
    num(f, r->prepare_ms >= 0, "%.4f", r->prepare_ms);
    num(f, r->timed && r->layout_in_ms >= 0, "%.6f", r->layout_in_ms);
    num(f, r->timed && r->kernel_ms >= 0, "%.6f", r->kernel_ms);
    num(f, r->timed && r->layout_out_ms >= 0, "%.6f", r->layout_out_ms);
    num(f, r->validated, "%.3g", r->max_abs_err);
    num(f, r->validated, "%.3g", r->max_rel_err);
    fputc(',', f);
    csv_field(f, r->params);
    num(f, r->tuned_vs_default > 0, "%.4f", r->tuned_vs_default);
    const char *tail[] = {r->note, m->cpu, m->isa, m->compiler, m->git, m->omp_env,
                          r->timestamp};
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
        fputc(',', f);
        csv_field(f, tail[i]);
    }
    fputc('\n', f);
    if (fflush(f)) return -1;
    fsync(fileno(f));
    return 0;
}
