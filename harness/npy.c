/* NumPy .npy files (format versions 1.0-3.0), float32 in C order only.
 *
 * Layout: "\x93NUMPY", major and minor version bytes, the header length
 * (2 bytes little-endian in 1.0, 4 in 2.0 and 3.0), then the header: a Python
 * dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and a final '\n' so the data starts 64-byte aligned,
 * then the raw little-endian data. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* open(O_EXCL), fsync, getpid */
#endif
#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
enum { NPY_PREFIX = 8,                /* magic + version */
       NPY_ALIGN = 64,                /* NumPy pads the header so data starts aligned */
       NPY_MAX_HEADER = 1 << 20,      /* a sane bound: real headers are < 200 bytes */
       NPY_PARSE_DIMS = 64 };         /* NumPy's own limit; more than NPY_MAX_DIMS is refused */

static bool host_little_endian(void) {
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static void swap_bytes4(void *buf, size_t count) {
    unsigned char *b = buf;
    for (size_t i = 0; i < count; i++, b += 4) {
        unsigned char t0 = b[0], t1 = b[1];
        b[0] = b[3]; b[1] = b[2]; b[2] = t1; b[3] = t0;
    }
}

/* "(2, 3, 4)", "(3,)" or "()": the shape as Python writes it. */
static void format_shape(int ndim, const size_t *shape, char *out, size_t outlen) {
    size_t used = (size_t)snprintf(out, outlen, "(");
    for (int i = 0; i < ndim && used < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, i ? ", %zu" : "%zu", shape[i]);
    if (used < outlen) snprintf(out + used, outlen - used, ndim == 1 ? ",)" : ")");
}

/* ---------------------------------------------------------------- reading */

/* A cursor over the header text; `what` receives the first complaint. */
typedef struct header_parser {
    const char *s, *end;
    char what[160];
} header_parser;

static bool parse_fail(header_parser *hp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool parse_fail(header_parser *hp, const char *fmt, ...) {
    if (!hp->what[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(hp->what, sizeof hp->what, fmt, ap);
        va_end(ap);
    }
    return false;
}

static void skip_space(header_parser *hp) {
    while (hp->s < hp->end && (*hp->s == ' ' || *hp->s == '\t' || *hp->s == '\n' || *hp->s == '\r'))
        hp->s++;
}

static bool accept_char(header_parser *hp, char c) {
    skip_space(hp);
    if (hp->s < hp->end && *hp->s == c) {
        hp->s++;
        return true;
    }
    return false;
}

/* A quoted Python string without escapes (all .npy keys and descrs are). */
static bool parse_string(header_parser *hp, char *out, size_t outlen) {
    skip_space(hp);
    if (hp->s >= hp->end || (*hp->s != '\'' && *hp->s != '"'))
        return parse_fail(hp, "expected a quoted string");
    const char quote = *hp->s++;
    const char *start = hp->s;
    while (hp->s < hp->end && *hp->s != quote && *hp->s != '\\') hp->s++;
    if (hp->s >= hp->end || *hp->s != quote) return parse_fail(hp, "unterminated string");
    size_t len = (size_t)(hp->s - start);
    hp->s++;
    if (len >= outlen) return parse_fail(hp, "string too long");
    memcpy(out, start, len);
    out[len] = '\0';
    return true;
}

static bool parse_bool(header_parser *hp, bool *out) {
    skip_space(hp);
    size_t left = (size_t)(hp->end - hp->s);
    if (left >= 4 && !memcmp(hp->s, "True", 4)) *out = true, hp->s += 4;
    else if (left >= 5 && !memcmp(hp->s, "False", 5)) *out = false, hp->s += 5;
    else return parse_fail(hp, "'fortran_order' is not True or False");
    return true;
}

/* A tuple of non-negative integers: (), (3,), (2, 3) or (2, 3,). */
static bool parse_shape(header_parser *hp, int *ndim, size_t *shape) {
    if (!accept_char(hp, '(')) return parse_fail(hp, "'shape' is not a tuple");
    *ndim = 0;
    for (;;) {
        if (accept_char(hp, ')')) return true;
        if (*ndim == NPY_PARSE_DIMS) return parse_fail(hp, "'shape' has too many entries");
        skip_space(hp);
        size_t v = 0;
        const char *digits = hp->s;
        while (hp->s < hp->end && *hp->s >= '0' && *hp->s <= '9') {
            if (v > (SIZE_MAX - 9) / 10) return parse_fail(hp, "a dimension is too large");
            v = v * 10 + (size_t)(*hp->s++ - '0');
        }
        if (hp->s == digits) return parse_fail(hp, "'shape' holds something other than integers");
        if (hp->s < hp->end && *hp->s == 'L') hp->s++; /* Python 2 long */
        shape[(*ndim)++] = v;
        if (accept_char(hp, ',')) continue;
        if (accept_char(hp, ')')) return true;
        return parse_fail(hp, "'shape' is not a tuple");
    }
}

typedef struct npy_header {
    char descr[64];
    bool descr_is_string; /* a list means a structured dtype */
    bool fortran_order;
    int ndim;
    size_t shape[NPY_PARSE_DIMS];
} npy_header;

static bool parse_header(header_parser *hp, npy_header *h) {
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    if (!accept_char(hp, '{')) return parse_fail(hp, "it is not a dict literal");
    while (!accept_char(hp, '}')) {
        char key[32];
        if (!parse_string(hp, key, sizeof key)) return false;
        if (!accept_char(hp, ':')) return parse_fail(hp, "no ':' after key '%s'", key);
        bool *seen;
        if (!strcmp(key, "descr")) {
            seen = &seen_descr;
            skip_space(hp);
            h->descr_is_string = hp->s < hp->end && *hp->s != '[';
            if (!h->descr_is_string) {
                /* Structured dtype: nothing to parse, it will be refused. */
                h->descr[0] = '\0';
                while (hp->s < hp->end && *hp->s != ']') hp->s++;
                if (hp->s < hp->end) hp->s++;
            } else if (!parse_string(hp, h->descr, sizeof h->descr)) {
                return false;
            }
        } else if (!strcmp(key, "fortran_order")) {
            seen = &seen_fortran;
            if (!parse_bool(hp, &h->fortran_order)) return false;
        } else if (!strcmp(key, "shape")) {
            seen = &seen_shape;
            if (!parse_shape(hp, &h->ndim, h->shape)) return false;
        } else {
            return parse_fail(hp, "unexpected key '%s'", key);
        }
        if (*seen) return parse_fail(hp, "key '%s' appears twice", key);
        *seen = true;
        if (!accept_char(hp, ',')) {
            if (accept_char(hp, '}')) break;
            return parse_fail(hp, "expected ',' or '}' after key '%s'", key);
        }
    }
    skip_space(hp);
    if (hp->s != hp->end) return parse_fail(hp, "text after the closing '}'");
    if (!seen_descr) return parse_fail(hp, "key '%s' is missing", "descr");
    if (!seen_fortran) return parse_fail(hp, "key '%s' is missing", "fortran_order");
    if (!seen_shape) return parse_fail(hp, "key '%s' is missing", "shape");
    return true;
}

/* NULL when descr is little-endian float32, else what it is, for the message. */
static const char *dtype_problem(const char *descr, char *what, size_t whatlen) {
    if (!strcmp(descr, "<f4") || (!strcmp(descr, "=f4") && host_little_endian())) return NULL;
    static const struct { const char *code, *name; } names[] = {
        {"f2", "float16"}, {"f4", "float32"}, {"f8", "float64"}, {"f16", "float128"},
        {"i1", "int8"},    {"i2", "int16"},   {"i4", "int32"},   {"i8", "int64"},
        {"u1", "uint8"},   {"u2", "uint16"},  {"u4", "uint32"},  {"u8", "uint64"},
        {"b1", "bool"},    {"c8", "complex64"}, {"c16", "complex128"},
    };
    const char *code = descr[0] && strchr("<>=|", descr[0]) ? descr + 1 : descr;
    const char *name = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(code, names[i].code)) name = names[i].name;
    if (name && !strcmp(name, "float32"))
        snprintf(what, whatlen, "dtype is '%s' (big-endian float32); convbench needs little-endian "
                 "float32: save with arr.astype('<f4')", descr);
    else
        snprintf(what, whatlen, "dtype is '%s' (%s); convbench needs float32: save with "
                 "arr.astype(np.float32)", descr, name ? name : "not float32");
    return what;
}

static size_t read_le(const unsigned char *b, int nbytes) {
    size_t v = 0;
    for (int i = nbytes - 1; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* The data is not the size the shape needs: too short or too long. */
static int wrong_data_size(const char *path, const npy_header *h, size_t have, size_t need, char *err,
                           size_t errlen) {
    if (have > need)
        return cb_fail(err, errlen, "%s: %zu bytes of trailing data after the array; re-save the file "
                       "with np.save (one array per file)", path, have - need);
    char shape[NPY_MAX_DIMS * 22 + 4];
    format_shape(h->ndim, h->shape, shape, sizeof shape);
    return cb_fail(err, errlen, "%s: data is truncated: holds %zu of %zu bytes the shape %s needs; "
                   "re-save the file with np.save", path, have, need, shape);
}

/* The body of npy_read, with the file open: returns 0 or -1 with err set. */
static int read_open_file(const char *path, FILE *f, npy_array *a, char *err, size_t errlen) {
    unsigned char prefix[NPY_PREFIX + 4];
    size_t got = fread(prefix, 1, NPY_PREFIX, f);
    if (ferror(f))
        return cb_fail(err, errlen, "%s: cannot read: %s; check that it is a readable file", path,
                       strerror(errno));
    if (got < sizeof npy_magic || memcmp(prefix, npy_magic, sizeof npy_magic))
        return cb_fail(err, errlen, "%s: not a .npy file (no \\x93NUMPY magic); save arrays with np.save", path);
    if (got < NPY_PREFIX)
        return cb_fail(err, errlen, "%s: truncated .npy header; re-save the file with np.save", path);
    const int major = prefix[6], minor = prefix[7];
    if (major < 1 || major > 3 || minor != 0)
        return cb_fail(err, errlen, "%s: .npy format version %d.%d is not supported; convbench reads "
                       "1.0, 2.0 and 3.0: re-save the file with np.save", path, major, minor);
    const int len_bytes = major == 1 ? 2 : 4;
    if (fread(prefix + NPY_PREFIX, 1, len_bytes, f) != (size_t)len_bytes)
        return cb_fail(err, errlen, "%s: truncated .npy header; re-save the file with np.save", path);
    const size_t header_len = read_le(prefix + NPY_PREFIX, len_bytes);
    if (header_len > NPY_MAX_HEADER)
        return cb_fail(err, errlen, "%s: malformed .npy header: it claims %zu bytes; re-save the file "
                       "with np.save", path, header_len);

    char *text = malloc(header_len + 1);
    if (!text) return cb_fail(err, errlen, "%s: out of memory reading the header", path);
    got = fread(text, 1, header_len, f);
    text[got] = '\0';
    header_parser hp = {.s = text, .end = text + got};
    npy_header h = {0};
    const bool parsed = got == header_len && parse_header(&hp, &h);
    free(text);
    if (got != header_len)
        return cb_fail(err, errlen, "%s: truncated .npy header (%zu of %zu bytes); re-save the file "
                       "with np.save", path, got, header_len);
    if (!parsed)
        return cb_fail(err, errlen, "%s: malformed .npy header: %s; re-save the file with np.save",
                       path, hp.what);

    char what[200];
    if (!h.descr_is_string)
        return cb_fail(err, errlen, "%s: dtype is a structured type; convbench needs a plain float32 "
                       "array: save with arr.astype(np.float32)", path);
    if (dtype_problem(h.descr, what, sizeof what)) return cb_fail(err, errlen, "%s: %s", path, what);
    if (h.fortran_order)
        return cb_fail(err, errlen, "%s: array is in Fortran order; convbench needs C order: save with "
                       "np.ascontiguousarray(arr)", path);

    if (h.ndim > NPY_MAX_DIMS)
        return cb_fail(err, errlen, "%s: array has %d dimensions; convbench reads at most %d: reshape "
                       "it before saving", path, h.ndim, NPY_MAX_DIMS);
    size_t count = 1;
    for (int i = 0; i < h.ndim; i++) {
        if (h.shape[i] && count > SIZE_MAX / sizeof(float) / h.shape[i])
            return cb_fail(err, errlen, "%s: malformed .npy header: the shape is too large to address; "
                           "re-save the file with np.save", path);
        count *= h.shape[i];
    }
    const size_t need = count * sizeof(float);
    /* A regular file's size tells at once whether the data fits the shape,
     * before a (maybe absurd) shape is allocated. */
    struct stat st;
    const long pos = ftell(f);
    if (pos >= 0 && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= pos &&
        (size_t)(st.st_size - pos) != need)
        return wrong_data_size(path, &h, (size_t)(st.st_size - pos), need, err, errlen);

    float *data = cb_alloc(need);
    if (!data) return cb_fail(err, errlen, "%s: out of memory for %zu bytes of data", path, need);
    got = fread(data, 1, need, f);
    size_t extra = 0; /* a pipe or device: count what follows by reading */
    char scratch[4096];
    for (size_t n; got == need && (n = fread(scratch, 1, sizeof scratch, f)) > 0;) extra += n;
    if (ferror(f)) {
        const int read_errno = errno;
        cb_free(data);
        return cb_fail(err, errlen, "%s: cannot read: %s; check that it is a readable file", path,
                       strerror(read_errno));
    }
    if (got != need || extra) {
        cb_free(data);
        return wrong_data_size(path, &h, got + extra, need, err, errlen);
    }
    if (!host_little_endian() && h.descr[0] == '<') swap_bytes4(data, count);

    a->ndim = h.ndim;
    memset(a->shape, 0, sizeof a->shape);
    memcpy(a->shape, h.shape, sizeof h.shape[0] * (size_t)h.ndim);
    a->data = data;
    a->count = count;
    return 0;
}

int npy_read(const char *path, npy_array *a, char *err, size_t errlen) {
    memset(a, 0, sizeof *a);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cb_fail(err, errlen, "%s: cannot open: %s; check the path and its permissions", path,
                       strerror(errno));
    const int rc = read_open_file(path, f, a, err, errlen);
    fclose(f);
    return rc;
}

void npy_free(npy_array *a) {
    if (!a) return;
    cb_free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---------------------------------------------------------------- writing */

static bool write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* The prefix and padded header for shape; returns its length (0 if too long). */
static size_t build_header(int ndim, const size_t *shape, char *out, size_t outlen) {
    char shape_text[NPY_MAX_DIMS * 22 + 4];
    format_shape(ndim, shape, shape_text, sizeof shape_text);
    char dict[256];
    const int dict_len = snprintf(dict, sizeof dict,
                                  "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape_text);
    if (dict_len < 0 || (size_t)dict_len >= sizeof dict) return 0;
    /* Version 1.0 unless the header overflows its 2-byte length. */
    int len_bytes = 2;
    size_t total = (NPY_PREFIX + 2 + (size_t)dict_len + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    if (total - NPY_PREFIX - 2 > 0xffff) {
        len_bytes = 4;
        total = (NPY_PREFIX + 4 + (size_t)dict_len + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    }
    if (total > outlen) return 0;
    const size_t header_len = total - NPY_PREFIX - (size_t)len_bytes;
    memcpy(out, npy_magic, sizeof npy_magic);
    out[6] = len_bytes == 2 ? 1 : 2;
    out[7] = 0;
    for (int i = 0; i < len_bytes; i++) out[NPY_PREFIX + i] = (char)(header_len >> (8 * i) & 0xff);
    char *text = out + NPY_PREFIX + len_bytes;
    memcpy(text, dict, (size_t)dict_len);
    memset(text + dict_len, ' ', header_len - (size_t)dict_len - 1);
    text[header_len - 1] = '\n';
    return total;
}

/* Create PATH.tmp.XXXXXX exclusively (mode 0666 less the umask, as for the
 * final file); returns the fd, or -1 with errno set. */
static int create_temp(const char *path, char *tmp, size_t tmplen) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    static unsigned counter;
    cb_rng rng = {(uint64_t)time(NULL) ^ (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)tmp};
    for (int attempt = 0; attempt < 100; attempt++) {
        rng.s += ++counter;
        char suffix[7];
        for (int i = 0; i < 6; i++) suffix[i] = alphabet[cb_rng_next(&rng) % (sizeof alphabet - 1)];
        suffix[6] = '\0';
        if ((size_t)snprintf(tmp, tmplen, "%s.tmp.%s", path, suffix) >= tmplen) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

int npy_write(const char *path, const float *data, int ndim, const size_t *shape,
              char *err, size_t errlen) {
    if (ndim < 0 || ndim > NPY_MAX_DIMS)
        return cb_fail(err, errlen, "%s: cannot write %d dimensions; .npy files here hold 0 to %d",
                       path, ndim, NPY_MAX_DIMS);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    char header[NPY_ALIGN * 8];
    const size_t header_size = build_header(ndim, shape, header, sizeof header);
    if (!header_size) return cb_fail(err, errlen, "%s: shape too long for a .npy header", path);

    char tmp[4096];
    const int fd = create_temp(path, tmp, sizeof tmp);
    if (fd < 0)
        return cb_fail(err, errlen, "%s: cannot create a temporary file beside it: %s; check that the "
                       "directory exists and is writable", path, strerror(errno));
    int failure = 0; /* the first errno */
    if (!write_all(fd, header, header_size)) failure = errno;
    if (host_little_endian()) {
        if (!failure && !write_all(fd, data, count * sizeof(float))) failure = errno;
    } else {
        float chunk[1024];
        for (size_t done = 0; !failure && done < count; done += 1024) {
            size_t n = count - done < 1024 ? count - done : 1024;
            memcpy(chunk, data + done, n * sizeof(float));
            swap_bytes4(chunk, n);
            if (!write_all(fd, chunk, n * sizeof(float))) failure = errno;
        }
    }
    /* fsync before rename: after a crash the name holds the old file or the
     * new one, never a torn one. */
    if (!failure && fsync(fd) != 0) failure = errno;
    if (close(fd) != 0 && !failure) failure = errno;
    if (!failure && rename(tmp, path) != 0) failure = errno;
    if (failure) {
        unlink(tmp);
        return cb_fail(err, errlen, "%s: cannot write: %s; check free space and permissions", path,
                       strerror(failure));
    }
    return 0;
}
