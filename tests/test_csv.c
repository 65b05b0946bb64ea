/* The results CSV writer: header, RFC 4180 quoting, empty timing columns
 * for untimed rows, rows on disk as soon as they are appended. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "csv.h"

static int count_fields(const char *line) { /* RFC 4180-aware */
    int n = 1, quoted = 0;
    for (; *line && *line != '\n'; line++) {
        if (*line == '"') quoted = !quoted;
        else if (*line == ',' && !quoted) n++;
    }
    return n;
}

int main(void) {
    char dir[] = "/tmp/convbench-csv-XXXXXX", path[128], line[4096];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/results.csv", dir);
    FILE *f = csv_create(path);
    CHECK(f != NULL, "create");
    const int ncols = count_fields(csv_columns);
    CHECK(ncols >= 24, "only %d columns", ncols);

    result_row ok = {.layer = "res2a", .shape = "mb1ic64ih56oc64oh56kh3ph1", .impl = "naive",
                     .threads = 1, .status = "ok", .timed = 1, .median_ms = 1.5, .min_ms = 1.25,
                     .mean_ms = 1.6, .stddev_ms = 0.1, .cv = 0.0625, .noisy = 1, .repetitions = 10,
                     .gflops = 154.2, .pct_peak = 57.1, .intensity = 12.5, .workspace_bytes = 4096, .prepare_ms = -1,
                     .layout_in_ms = 0.25, .kernel_ms = 1.0, .layout_out_ms = 0.25, .validated = 1,
                     .max_abs_err = 1e-5, .max_rel_err = 2e-6, .params = "mc=96;kc=256",
                     .note = "", .timestamp = "2026-11-23T05:00:00+0000"};
    result_row quoted = {.layer = "odd, \"quoted\" name", .shape = "mb1ic3ih5oc2oh3kh3",
                         .impl = "reorder", .threads = 2, .status = "unsupported",
                         .workspace_bytes = -1, .prepare_ms = -1, .pct_peak = -1, .layout_in_ms = -1,
                         .kernel_ms = -1, .layout_out_ms = -1, .params = "",
                         .note = "serial implementation: runs with 1 thread only", .timestamp = ""};
    CHECK(csv_append(f, &ok) == 0, "append");
    /* Flushed: a reader sees the row before the file is closed. */
    FILE *r = fopen(path, "r");
    int lines = 0;
    while (r && fgets(line, sizeof line, r)) lines++;
    if (r) fclose(r);
    CHECK(lines == 2, "after one append the file has %d lines", lines);
    CHECK(csv_append(f, &quoted) == 0, "append quoted");
    fclose(f);

    r = fopen(path, "r");
    char rows[3][4096] = {{0}};
    for (int i = 0; i < 3 && r && fgets(rows[i], sizeof rows[i], r); i++) {}
    if (r) fclose(r);
    CHECK(!strncmp(rows[0], "layer,shape,impl,threads,status,median_ms", 41), "header: %s", rows[0]);
    CHECK(count_fields(rows[1]) == ncols, "row 1 has %d fields", count_fields(rows[1]));
    CHECK(count_fields(rows[2]) == ncols, "row 2 has %d fields", count_fields(rows[2]));
    CHECK(strstr(rows[1], ",ok,1.500000,1.250000,") != NULL, "timing columns: %s", rows[1]);
    CHECK(strstr(rows[1], ",mc=96;kc=256,") != NULL, "params: %s", rows[1]);
    {
        const char *want = "\"odd, \"\"quoted\"\" name\",";
        CHECK(!strncmp(rows[2], want, strlen(want)), "quoting: %s", rows[2]);
    }
    CHECK(strstr(rows[1], ",154.200,57.1,12.500,4096,,0.250000,1.000000,0.250000,") != NULL, "rate, peak, phases: %s", rows[1]);
    /* 19 empty fields: timing, peak, intensity, workspace, prepare, phases, errors, params,
     * tuned_vs_default. */
    CHECK(strstr(rows[2], ",unsupported,,,,,,,,,,,,,,,,,,,,serial") != NULL, "empty columns: %s", rows[2]);
    unlink(path);
    rmdir(dir);
    return check_report();
}
