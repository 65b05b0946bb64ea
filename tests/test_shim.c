/* The Google Benchmark shim: repetitions come back as samples, the JSON is
 * Google Benchmark's own document, and errors are reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gbench_shim.h"

static volatile double sink;
static void spin(void *ctx) {
    int *calls = ctx;
    double x = 0;
    for (int i = 0; i < 20000; i++) x += i * 0.5;
    sink = x;
    (*calls)++;
}

typedef struct { int n, last_rep; double sum; long iters; } got_t;
static void on_sample(void *user, int rep, double sec, int64_t iters) {
    got_t *g = user;
    g->n++;
    g->last_rep = rep;
    g->sum += sec;
    g->iters += (long)iters;
}

int main(void) {
    char dir[] = "/tmp/convbench-shim-XXXXXX", path[128], err[256];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/gb.json", dir);
    CHECK(gb_json_open(path, err, sizeof err) == 0, "json open: %s", err);

    int calls = 0;
    got_t got = {0};
    gb_spec s = {.name = "spin/one", .body = spin, .ctx = &calls, .repetitions = 4,
                 .min_time = 0.005, .flops = 20000};
    int reps = gb_run(&s, on_sample, &got, err, sizeof err);
    CHECK(reps == 4, "gb_run returned %d (%s)", reps, err);
    CHECK(got.n == 4 && got.last_rep == 3, "samples: %d, last rep %d", got.n, got.last_rep);
    CHECK(got.sum > 0 && got.iters >= 4, "sum %g iters %ld", got.sum, got.iters);
    CHECK(calls >= got.iters, "body ran %d times for %ld timed iterations", calls, got.iters);

    gb_spec s2 = s;
    s2.name = "spin/two";
    s2.repetitions = 2;
    got_t got2 = {0};
    CHECK(gb_run(&s2, on_sample, &got2, err, sizeof err) == 2, "second run: %s", err);
    CHECK(gb_json_close() == 0, "json close");

    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "no json at %s", path);
    char buf[1 << 16] = "";
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    CHECK(strstr(buf, "\"context\"") && strstr(buf, "\"benchmarks\""), "json lacks context/benchmarks");
    if (getenv("SHIM_DUMP")) fputs(buf, stderr);
    CHECK(strstr(buf, "\"spin/one/") && strstr(buf, "\"spin/two/"), "json lacks a run");
    CHECK(strstr(buf, "\"aggregate_name\": \"median\""), "json lacks the median aggregate");
    CHECK(strstr(buf, "\"FLOPS\""), "json lacks the FLOPS counter");
    /* One document: exactly one "context" key, and it ends with a closing brace. */
    CHECK(strstr(strstr(buf, "\"context\"") + 1, "\"context\"") == NULL, "two documents in one file");
    size_t len = strlen(buf);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ')) len--;
    CHECK(len && buf[len - 1] == '}', "json does not end with }");

    CHECK(gb_json_open("/nonexistent-dir/x.json", err, sizeof err) == -1, "open in missing dir");
    unlink(path);
    rmdir(dir);
    return check_report();
}
