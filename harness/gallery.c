/* `convbench gallery`: for each image, every named kernel through every
 * implementation (checked against naive), the results as PNGs, one contact
 * sheet drawn by plots/gallery.gp, and an index.md saying which
 * implementations reproduced each picture. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* posix_spawnp, pipe, waitpid */
#endif
#include "gallery.h"
#include "gnuplot.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "filter.h"
#include "named_kernels.h"
#include "targets.h"
#include "util.h"

#ifndef CONVBENCH_GNUPLOT
#define CONVBENCH_GNUPLOT "gnuplot"
#endif

extern char **environ;

static const char *usage_gallery =
    "usage: convbench gallery [--out DIR] [--seed N] [--threads N] [IMAGE...]\n"
    "\n"
    "Runs every named kernel (convbench filter --list) over each IMAGE through every\n"
    "implementation this CPU runs, checks each against naive (bit for bit for the\n"
    "integer kernels, within tolerance for kaiming5), and draws one contact sheet\n"
    "per image with gnuplot (plots/gallery.gp): per kernel the original, the result\n"
    "(same padding, the kernel's own stride) and the kernel's matrix. Edge kernels\n"
    "(laplacian4, sobel_x, sobel_y) and kaiming5 are shown rescaled min..max to\n"
    "0..255, the rest clipped; each caption says which.\n"
    "\n"
    "IMAGE defaults to every .png, .ppm and .pgm in data/images of the source tree\n"
    "(scripts/fetch-images puts photographs there). DIR defaults to results/gallery:\n"
    "  DIR/<image>.png            the contact sheet\n"
    "  DIR/<image>/<kernel>.png   each result as written by convbench filter\n"
    "  DIR/<image>/original.png   the input, and sheet.gp, what gnuplot was given\n"
    "  DIR/index.md               the sheets, and per kernel which implementations\n"
    "                             reproduced the picture\n"
    "Exit status: 0 ok, 1 an implementation disagreed or gnuplot failed, 2 bad input.\n";

/* ------------------------------------------------------------ small helpers */

static int mkdirs(const char *path, char *err, size_t errlen) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return cb_fail(err, errlen, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        const bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return cb_fail(err, errlen, "%s: cannot create the directory: %s", buf, strerror(errno));
            if (end) break;
            *p = '/';
        }
    }
    return 0;
}

static bool has_image_ext(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return false;
    return !strcasecmp(dot, ".png") || !strcasecmp(dot, ".ppm") || !strcasecmp(dot, ".pgm");
}

/* The file name without directory and extension, in [A-Za-z0-9._-]. */
static void stem(const char *path, char *out, size_t len) {
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = 0;
    const char *dot = strrchr(base, '.');
    for (const char *c = base; *c && c != dot && n + 1 < len; c++) {
        const bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                        *c == '-' || *c == '_' || *c == '.';
        out[n++] = ok ? *c : '_';
    }
    out[n] = '\0';
    if (!n) snprintf(out, len, "image");
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* gnuplot strings: single quotes for paths (nothing special but the quote,
 * doubled), double quotes for text with line breaks. */
static void gp_single(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('\'', f);
}

static void gp_double(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '\n') fputs("\\n", f);
        else if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else fputc(*s, f);
    }
    fputc('"', f);
}


/* ------------------------------------------------------------ one image */

/* A list of implementation names with a given status, for the index. */
static void names_with(const filter_outcome *o, int n, filter_status want, bool with_note, char *out,
                       size_t len) {
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (o[i].status != want) continue;
        used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s`%s`", used ? ", " : "",
                                 o[i].impl->name);
        if (with_note && o[i].note[0]) {
            /* A note in a Markdown table cell: no '|' or line breaks. */
            char note[200];
            size_t k = 0;
            for (const char *c = o[i].note; *c && k + 1 < sizeof note; c++)
                note[k++] = *c == '|' ? '/' : *c == '\n' ? ' ' : *c;
            note[k] = '\0';
            used += (size_t)snprintf(out + used, used < len ? len - used : 0, " (%s)", note);
        }
    }
    if (!out[0]) snprintf(out, len, "–");
}

/* PATH relative to the source tree when it is inside it. */
static const char *shown_path(const char *path) {
    const char *root = bench_source_dir();
    const size_t n = strlen(root);
    return !strncmp(path, root, n) && path[n] == '/' ? path + n + 1 : path;
}

/* The implementations with either status, with their notes. */
static void names_with2(const filter_outcome *o, int n, filter_status s1, filter_status s2, char *out,
                        size_t len) {
    char a[2048], b[2048];
    names_with(o, n, s1, true, a, sizeof a);
    names_with(o, n, s2, true, b, sizeof b);
    const bool has_a = strcmp(a, "–") != 0, has_b = strcmp(b, "–") != 0;
    out[0] = '\0';
    if (has_a) strncat(out, a, len - 1);
    if (has_a && has_b) strncat(out, ", ", len - 1 - strlen(out));
    if (has_b) strncat(out, b, len - 1 - strlen(out));
    if (!out[0]) snprintf(out, len, "–");
}

typedef struct gallery_opts {
    const char *out_dir, *plots_dir;
    unsigned long long seed;
    int threads;
} gallery_opts;

/* Returns 0, 1 when an implementation disagreed or gnuplot failed (the
 * message printed), or 2 when the image is bad (message in err). */
static int gallery_image(const gallery_opts *g, const char *path, FILE *index, char *err, size_t errlen) {
    cb_image img = {0};
    if (image_read(path, &img, err, errlen)) return 2;
    char name[256], dir[4096], file[4200], manifest[4200], sheet[4200];
    stem(path, name, sizeof name);
    snprintf(dir, sizeof dir, "%s/%s", g->out_dir, name);
    snprintf(manifest, sizeof manifest, "%s/sheet.gp", dir);
    snprintf(sheet, sizeof sheet, "%s/%s.png", g->out_dir, name);
    int status = 0;
    float *src = filter_image_tensor(&img), *dst = NULL;
    filter_outcome *outcomes = calloc((size_t)target_count(), sizeof *outcomes);
    FILE *mf = NULL;
    const char *kind = img.channels == 1 ? "grey" : "RGB";
    if (!src || !outcomes) {
        status = 2;
        cb_fail(err, errlen, "%s: out of memory", path);
        goto out;
    }
    if (mkdirs(dir, err, errlen)) {
        status = 2;
        goto out;
    }
    snprintf(file, sizeof file, "%s/original.png", dir);
    if (image_write(file, &img, err, errlen)) {
        status = 2;
        goto out;
    }
    if (!(mf = fopen(manifest, "w"))) {
        status = 2;
        cb_fail(err, errlen, "%s: cannot create: %s", manifest, strerror(errno));
        goto out;
    }
    fprintf(mf, "# Written by convbench gallery for plots/gallery.gp: the pictures of one contact sheet.\n");
    fprintf(mf, "n = %d\nimgw = %d\nimgh = %d\noriginal = ", named_kernel_count, img.w, img.h);
    gp_single(mf, file);
    fprintf(mf, "\nsheet_title = ");
    {
        char title[512];
        snprintf(title, sizeof title, "%s (%d×%d %s): the named kernels through convbench's implementations",
                 name, img.w, img.h, kind);
        gp_single(mf, title);
    }
    fprintf(mf, "\narray file[%d]\narray caption[%d]\narray matrix[%d]\n", named_kernel_count,
            named_kernel_count, named_kernel_count);

    fprintf(index, "\n## %s\n\n![%s contact sheet](%s.png)\n\n`%s`: %d×%d %s. Per kernel, the implementations "
                   "whose output matched naive's: bit for bit, or within their tolerance (non-integer weights).\n\n",
            name, name, name, shown_path(path), img.w, img.h, kind);
    fprintf(index, "| kernel | output | shown | reproduced bit for bit | within tolerance (max diff) | "
                   "did not run (why) | **disagreed** |\n|---|---|---|---|---|---|---|\n");

    for (int k = 0; k < named_kernel_count; k++) {
        const named_kernel *nk = &named_kernels[k];
        filter_spec fs;
        char kerr[1024];
        if (filter_spec_named(nk, img.channels, img.h, img.w, PAD_SAME, 0, g->seed, &fs, kerr, sizeof kerr)) {
            fprintf(stderr, "convbench: %s: %s\n", path, kerr);
            status = 1;
            continue;
        }
        cb_free(dst);
        dst = cb_alloc(conv_dst_elems(&fs.p) * sizeof(float));
        int n = 0, failures = dst ? filter_run_all(&fs, src, dst, g->threads, outcomes, &n, kerr, sizeof kerr) : -1;
        if (failures < 0) {
            fprintf(stderr, "convbench: %s: %s: %s\n", path, nk->name, dst ? kerr : "out of memory");
            filter_spec_free(&fs);
            status = 1;
            continue;
        }
        cb_image result = {0};
        snprintf(file, sizeof file, "%s/%s.png", dir, nk->name);
        if (filter_to_image(&fs, dst, nk->gallery_display, &result) || image_write(file, &result, kerr, sizeof kerr)) {
            fprintf(stderr, "convbench: %s\n", result.pix ? kerr : "out of memory");
            image_free(&result);
            filter_spec_free(&fs);
            status = 1;
            continue;
        }
        const char *shown = nk->gallery_display == DISPLAY_CLIP ? "clipped" : "rescaled min..max";
        char caption[256], matrix[1024];
        snprintf(caption, sizeof caption, "%s · %d×%d → %d×%d · %s", nk->title, img.w, img.h, result.w,
                 result.h, shown);
        nk_format_matrix(nk, img.channels, g->seed, matrix, sizeof matrix);
        fprintf(mf, "file[%d] = ", k + 1);
        gp_single(mf, file);
        fprintf(mf, "\ncaption[%d] = ", k + 1);
        gp_double(mf, caption);
        fprintf(mf, "\nmatrix[%d] = ", k + 1);
        gp_double(mf, matrix);
        fputc('\n', mf);

        /* The index row. */
        char same[1024], within[2048], skipped[4096], wrong[4096];
        names_with(outcomes, n, FILTER_IDENTICAL, false, same, sizeof same);
        {
            size_t used = 0;
            within[0] = '\0';
            for (int i = 0; i < n; i++)
                if (outcomes[i].status == FILTER_WITHIN)
                    used += (size_t)snprintf(within + used, used < sizeof within ? sizeof within - used : 0,
                                             "%s`%s` (%.2g)", used ? ", " : "", outcomes[i].impl->name,
                                             outcomes[i].max_abs);
            if (!within[0]) snprintf(within, sizeof within, "–");
        }
        names_with2(outcomes, n, FILTER_UNSUPPORTED, FILTER_UNAVAILABLE, skipped, sizeof skipped);
        names_with2(outcomes, n, FILTER_MISMATCH, FILTER_ERROR, wrong, sizeof wrong);
        fprintf(index, "| [%s](%s/%s.png) | %d×%d | %s | `naive`%s%s | %s | %s | %s |\n", nk->name, name,
                nk->name, result.w, result.h, shown, strcmp(same, "–") ? ", " : "", strcmp(same, "–") ? same : "",
                within, skipped, wrong);
        for (int i = 0; i < n; i++)
            if (outcomes[i].status == FILTER_MISMATCH || outcomes[i].status == FILTER_ERROR)
                fprintf(stderr, "convbench: %s: %s: %s %s: %s\n", path, nk->name, outcomes[i].impl->name,
                        filter_status_name(outcomes[i].status), outcomes[i].note);
        if (failures) status = 1;
        int counts[FILTER_ERROR + 1] = {0};
        for (int i = 0; i < n; i++) counts[outcomes[i].status]++;
        printf("  %-11s -> %dx%d: %d identical to naive, %d within tolerance, %d did not run, %d disagreed\n",
               nk->name, result.w, result.h, counts[FILTER_IDENTICAL], counts[FILTER_WITHIN],
               counts[FILTER_UNSUPPORTED] + counts[FILTER_UNAVAILABLE], counts[FILTER_MISMATCH] + counts[FILTER_ERROR]);
        image_free(&result);
        filter_spec_free(&fs);
    }
    if (ferror(mf) | fclose(mf)) {
        mf = NULL;
        status = 2;
        cb_fail(err, errlen, "%s: cannot write: %s", manifest, strerror(errno));
        goto out;
    }
    mf = NULL;
    {
        char assignments[12288] = "", script[4400], gerr[1024];
        size_t used = 0;
        used += (size_t)snprintf(assignments + used, sizeof assignments - used, "manifest='");
        for (const char *c = manifest; *c && used + 4 < sizeof assignments; c++) {
            if (*c == '\'') assignments[used++] = '\'';
            assignments[used++] = *c;
        }
        used += (size_t)snprintf(assignments + used, sizeof assignments - used, "'; outfile='");
        for (const char *c = sheet; *c && used + 4 < sizeof assignments; c++) {
            if (*c == '\'') assignments[used++] = '\'';
            assignments[used++] = *c;
        }
        snprintf(assignments + used, sizeof assignments - used, "'");
        snprintf(script, sizeof script, "%s/gallery.gp", g->plots_dir);
        if (gnuplot_run(CONVBENCH_GNUPLOT, assignments, script, gerr, sizeof gerr)) {
            fprintf(stderr, "convbench: %s\n", gerr);
            status = 1;
        } else {
            printf("wrote %s\n", sheet);
        }
    }
out:
    if (mf) fclose(mf);
    image_free(&img);
    cb_free(src);
    cb_free(dst);
    free(outcomes);
    return status;
}

/* ------------------------------------------------------------ the command */

int cmd_gallery(int argc, char **argv) {
    enum { OK = 0, FAILED = 1, USAGE = 2 };
    gallery_opts g = {.out_dir = "results/gallery", .seed = NK_DEFAULT_SEED, .threads = 1};
    char **images = calloc((size_t)argc + 1, sizeof *images);
    int nimages = 0, status = USAGE;
    char images_dir[4200] = "";
    if (!images) {
        fprintf(stderr, "convbench: out of memory\n");
        return USAGE;
    }
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_gallery, stdout);
            free(images);
            return OK;
        }
        const bool value_flag = !strcmp(argv[i], "--out") || !strcmp(argv[i], "--seed") || !strcmp(argv[i], "--threads");
        if (value_flag && i + 1 >= argc) {
            fprintf(stderr, "convbench: gallery: %s needs a value; see convbench gallery --help\n", argv[i]);
            goto done;
        }
        if (!strcmp(argv[i], "--out")) g.out_dir = argv[++i];
        else if (!strcmp(argv[i], "--seed") || !strcmp(argv[i], "--threads")) {
            const char *flag = argv[i], *v = argv[++i];
            char *end;
            errno = 0;
            unsigned long long x = strtoull(v, &end, 10);
            if (end == v || *end || errno || v[0] == '-' || (flag[2] == 't' && (x < 1 || x > 4096))) {
                fprintf(stderr, "convbench: gallery: %s: '%s' is not %s\n", flag, v,
                        flag[2] == 't' ? "a thread count in 1..4096" : "a non-negative integer");
                goto done;
            }
            if (flag[2] == 't') g.threads = (int)x;
            else g.seed = x;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "convbench: gallery: unknown option '%s'; see convbench gallery --help\n", argv[i]);
            goto done;
        } else
            images[nimages++] = argv[i];
    }
    char plots[4200], err[1024];
    snprintf(plots, sizeof plots, "%s/plots", bench_source_dir());
    g.plots_dir = plots;

    /* No images named: the fetched photographs. */
    char **found = NULL;
    int nfound = 0;
    if (nimages == 0) {
        snprintf(images_dir, sizeof images_dir, "%s/data/images", bench_source_dir());
        DIR *d = opendir(images_dir);
        if (d) {
            for (struct dirent *e; (e = readdir(d));) {
                if (e->d_name[0] == '.' || !has_image_ext(e->d_name)) continue;
                char **grown = realloc(found, sizeof *found * (size_t)(nfound + 1));
                if (!grown) break;
                found = grown;
                size_t len = strlen(images_dir) + strlen(e->d_name) + 2;
                if (!(found[nfound] = malloc(len))) break;
                snprintf(found[nfound++], len, "%s/%s", images_dir, e->d_name);
            }
            closedir(d);
        }
        if (nfound == 0) {
            fprintf(stderr, "convbench: %s: no .png, .ppm or .pgm images there; run scripts/fetch-images "
                            "(or give image files)\n", images_dir);
            goto done;
        }
        qsort(found, (size_t)nfound, sizeof *found, compare_names);
    }
    char **list = nimages ? images : found;
    const int count = nimages ? nimages : nfound;

    /* Every image must be readable before anything is written. */
    for (int i = 0; i < count; i++) {
        cb_image probe;
        if (image_read(list[i], &probe, err, sizeof err)) {
            fprintf(stderr, "convbench: %s\n", err);
            goto free_found;
        }
        image_free(&probe);
    }
    if (mkdirs(g.out_dir, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        goto free_found;
    }
    char index_path[4200], index_tmp[4300];
    snprintf(index_path, sizeof index_path, "%s/index.md", g.out_dir);
    snprintf(index_tmp, sizeof index_tmp, "%s.tmp", index_path);
    FILE *index = fopen(index_tmp, "w");
    if (!index) {
        fprintf(stderr, "convbench: %s: cannot create: %s\n", index_tmp, strerror(errno));
        goto free_found;
    }
    {
        char when[64];
        time_t now = time(NULL);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&now));
        fprintf(index, "# convbench gallery\n\nWritten by `convbench gallery` (`make gallery`) on %s. "
                       "Every named kernel (`convbench filter --list`) ran on each image through every "
                       "implementation this CPU runs, with `same` padding and the kernel's own stride, "
                       "and each output was compared with `naive`'s: bit for bit for the integer kernels "
                       "(the fractional ones run on their integer taps and are divided afterwards), within "
                       "the implementation's tolerance for `kaiming5` (seed %llu). "
                       "Results outside 0..255 are clipped, except where the table says rescaled.\n",
                when, g.seed);
        /* Where the photographs come from, as scripts/fetch-images recorded it. */
        char sources[4300];
        snprintf(sources, sizeof sources, "%s/SOURCES.md", images_dir);
        FILE *sf = images_dir[0] ? fopen(sources, "r") : NULL;
        if (sf) {
            char line[1024];
            fputs("\n## The photographs\n\n", index);
            while (fgets(line, sizeof line, sf)) fputs(line, index);
            fclose(sf);
        }
    }
    status = OK;
    for (int i = 0; i < count; i++) {
        printf("%s\n", list[i]);
        err[0] = '\0';
        int rc = gallery_image(&g, list[i], index, err, sizeof err);
        if (rc == 2) {
            fprintf(stderr, "convbench: %s\n", err);
            status = FAILED;
        } else if (rc) {
            status = FAILED;
        }
    }
    if (ferror(index) | fclose(index) || rename(index_tmp, index_path) != 0) {
        fprintf(stderr, "convbench: %s: cannot write: %s\n", index_path, strerror(errno));
        unlink(index_tmp);
        status = FAILED;
    } else {
        printf("wrote %s\n", index_path);
    }
free_found:
    for (int i = 0; i < nfound; i++) free(found[i]);
    free(found);
done:
    free(images);
    return status;
}
