#include "wisdom.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine.h"
#include "util.h"

#ifndef CONVBENCH_VERSION
#define CONVBENCH_VERSION "dev"
#endif
#ifndef CONVBENCH_CFLAGS
#define CONVBENCH_CFLAGS "-O3"
#endif

const char *wisdom_fingerprint(void) {
    static char fp[512];
    if (!fp[0]) {
        snprintf(fp, sizeof fp, "%s;flags=%s;v=%s", machine_fingerprint(), CONVBENCH_CFLAGS,
                 CONVBENCH_VERSION);
    }
    return fp;
}


static void file_for(const char *dir, const char *fp, char *out, size_t len) {
    snprintf(out, len, "%s/wisdom-%016llx.tsv", dir, (unsigned long long)cb_hash(fp));
}

static int push(wisdom *w, const wisdom_entry *e) {
    if (w->n == w->cap) {
        int cap = w->cap ? 2 * w->cap : 64;
        wisdom_entry *ne = realloc(w->e, sizeof *ne * cap);
        if (!ne) return -1;
        w->e = ne;
        w->cap = cap;
    }
    w->e[w->n++] = *e;
    return 0;
}

/* One line into e; -1 for anything malformed (a line cut short included). */
static int parse_line(char *line, wisdom_entry *e) {
    size_t len = strlen(line);
    if (!len || line[len - 1] != '\n') return -1; /* cut short by a kill */
    line[len - 1] = 0;
    char *f[10];
    int n = 0;
    for (char *s = line; n < 10; n++) {
        f[n] = s;
        char *tab = strchr(s, '\t');
        if (!tab) {
            n++;
            break;
        }
        *tab = 0;
        s = tab + 1;
    }
    if (n < 9 || strcmp(f[0], "v1")) return -1;
    memset(e, 0, sizeof *e);
    snprintf(e->fingerprint, sizeof e->fingerprint, "%s", f[1]);
    snprintf(e->impl, sizeof e->impl, "%s", f[2]);
    snprintf(e->shape, sizeof e->shape, "%s", f[3]);
    e->threads = atoi(f[4]);
    snprintf(e->params, sizeof e->params, "%s", f[5]);
    e->best_ms = atof(f[6]);
    e->default_ms = atof(f[7]);
    snprintf(e->date, sizeof e->date, "%s", f[8]);
    if (n > 9) snprintf(e->runners_up, sizeof e->runners_up, "%s", f[9]);
    return e->threads > 0 && e->best_ms > 0 ? 0 : -1;
}

static int load_file(const char *path, wisdom *w) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[2048];
    wisdom_entry e;
    while (fgets(line, sizeof line, f))
        if (!parse_line(line, &e) && push(w, &e)) {
            fclose(f);
            return -1;
        }
    fclose(f);
    return 0;
}

int wisdom_load(const char *dir, wisdom *w, char *err, size_t errlen) {
    memset(w, 0, sizeof *w);
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : cb_fail(err, errlen, "%s: cannot read (%s)", dir, strerror(errno));
    struct dirent *de;
    char path[4400];
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (strncmp(de->d_name, "wisdom-", 7) || l < 4 || strcmp(de->d_name + l - 4, ".tsv")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (load_file(path, w)) {
            closedir(d);
            return cb_fail(err, errlen, "%s: cannot read", path);
        }
    }
    closedir(d);
    const char *fp = wisdom_fingerprint();
    for (int i = 0; i < w->n; i++) w->foreign += strcmp(w->e[i].fingerprint, fp) != 0;
    return 0;
}

void wisdom_free(wisdom *w) {
    free(w->e);
    memset(w, 0, sizeof *w);
}

static int same_key(const wisdom_entry *e, const char *impl, const char *shape, int threads) {
    return (!impl || !strcmp(e->impl, impl)) && !strcmp(e->shape, shape) && e->threads == threads;
}

const wisdom_entry *wisdom_find(const wisdom *w, const char *fp, const char *impl,
                                const char *shape, int threads) {
    for (int i = w->n - 1; i >= 0; i--) /* the last line for a key wins */
        if (!strcmp(w->e[i].fingerprint, fp) && same_key(&w->e[i], impl, shape, threads))
            return &w->e[i];
    return NULL;
}

const wisdom_entry *wisdom_find_foreign(const wisdom *w, const char *fp, const char *impl,
                                        const char *shape, int threads) {
    for (int i = w->n - 1; i >= 0; i--)
        if (strcmp(w->e[i].fingerprint, fp) && same_key(&w->e[i], impl, shape, threads))
            return &w->e[i];
    return NULL;
}

const wisdom_entry *wisdom_best_impl(const wisdom *w, const char *fp, const char *shape,
                                     int threads) {
    const wisdom_entry *best = NULL;
    for (int i = 0; i < w->n; i++) {
        const wisdom_entry *e = &w->e[i];
        if (strcmp(e->fingerprint, fp) || !same_key(e, NULL, shape, threads)) continue;
        /* Only the latest entry of each implementation counts. */
        if (wisdom_find(w, fp, e->impl, shape, threads) != e) continue;
        if (!best || e->best_ms < best->best_ms) best = e;
    }
    return best;
}

static void format_line(const wisdom_entry *e, char *out, size_t len) {
    snprintf(out, len, "v1\t%s\t%s\t%s\t%d\t%s\t%.6f\t%.6f\t%s\t%s\n", e->fingerprint, e->impl,
             e->shape, e->threads, e->params, e->best_ms, e->default_ms, e->date, e->runners_up);
}

int wisdom_append(const char *dir, wisdom *w, const wisdom_entry *e, char *err, size_t errlen) {
    char path[4400], line[2200];
    char parent[4400];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash) {
        *slash = 0;
        mkdir(parent, 0777);
    }
    if (mkdir(dir, 0777) && errno != EEXIST)
        return cb_fail(err, errlen, "%s: cannot create (%s)", dir, strerror(errno));
    file_for(dir, e->fingerprint, path, sizeof path);
    format_line(e, line, sizeof line);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (fd < 0) return cb_fail(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
    flock(fd, LOCK_EX); /* two tuning runs at once: whole lines, one at a time */
    size_t len = strlen(line);
    int bad = write(fd, line, len) != (ssize_t)len || fsync(fd);
    flock(fd, LOCK_UN);
    close(fd);
    if (bad) return cb_fail(err, errlen, "%s: write failed", path);
    return w ? push(w, e) : 0;
}

int wisdom_merge(const char *dir, const char *const *files, int nfiles, char *err, size_t errlen) {
    wisdom all = {0};
    if (wisdom_load(dir, &all, err, errlen)) return -1;
    for (int i = 0; i < nfiles; i++)
        if (load_file(files[i], &all)) {
            wisdom_free(&all);
            return cb_fail(err, errlen, "%s: cannot read", files[i]);
        }
    /* Keep the fastest entry per (fingerprint, key). */
    wisdom best = {0};
    for (int i = 0; i < all.n; i++) {
        const wisdom_entry *e = &all.e[i];
        int j;
        for (j = 0; j < best.n; j++)
            if (!strcmp(best.e[j].fingerprint, e->fingerprint) &&
                same_key(&best.e[j], e->impl, e->shape, e->threads))
                break;
        if (j == best.n) push(&best, e);
        else if (e->best_ms < best.e[j].best_ms) best.e[j] = *e;
    }
    mkdir(dir, 0777);
    int rc = 0;
    /* One file per fingerprint, each replaced atomically. */
    for (int i = 0; i < best.n && !rc; i++) {
        int first = 1;
        for (int j = 0; j < i; j++) first &= strcmp(best.e[j].fingerprint, best.e[i].fingerprint) != 0;
        if (!first) continue;
        char path[4400], tmp[4500], line[2200];
        file_for(dir, best.e[i].fingerprint, path, sizeof path);
        snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
        FILE *f = fopen(tmp, "w");
        if (!f) {
            rc = cb_fail(err, errlen, "%s: cannot write", tmp);
            break;
        }
        for (int j = i; j < best.n; j++)
            if (!strcmp(best.e[j].fingerprint, best.e[i].fingerprint)) {
                format_line(&best.e[j], line, sizeof line);
                fputs(line, f);
            }
        if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path)) {
            unlink(tmp);
            rc = cb_fail(err, errlen, "%s: cannot replace", path);
        }
    }
    wisdom_free(&all);
    wisdom_free(&best);
    return rc;
}

void wisdom_format_params(const conv_impl *im, const conv_params *prm, char *out, size_t len) {
    out[0] = 0;
    for (int i = 0; i < im->nparams; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s=%d", i ? ";" : "", im->params[i].name, prm->v[i]);
    }
}

int wisdom_parse_params(const conv_impl *im, const char *s, conv_params *prm) {
    conv_default_params(im, prm);
    int seen = 0;
    while (*s) {
        char name[64];
        int v, used;
        if (sscanf(s, "%63[^=]=%d%n", name, &v, &used) != 2) return -1;
        int i;
        for (i = 0; i < im->nparams && strcmp(im->params[i].name, name); i++) {}
        if (i == im->nparams) return -1; /* a parameter this build does not have */
        prm->v[i] = v;
        seen++;
        s += used;
        if (*s == ';') s++;
    }
    return seen == im->nparams ? 0 : -1;
}
