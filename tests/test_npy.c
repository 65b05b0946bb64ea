/* npy_read / npy_write: round trips, hand-made files of every version, and
 * every refusal with its message. All files live in a fresh mkdtemp dir. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "npy.h"

static char dir[256];

static const char *in_dir(const char *name) {
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    return p;
}

static void write_file(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(bytes, 1, len, f) == len && fclose(f) == 0, "cannot write %s", path);
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* A .npy file made by hand: version major.0, the header text padded with
 * spaces and '\n' to a multiple of `align`, then data_len bytes of data. */
static void write_npy_by_hand(const char *path, int major, int minor, const char *dict, int align,
                              const void *data, size_t data_len) {
    unsigned char buf[4096];
    const size_t len_bytes = major == 1 ? 2 : 4, prefix = 8 + len_bytes;
    size_t total = (prefix + strlen(dict) + 1 + align - 1) / align * align;
    size_t header_len = total - prefix;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = (unsigned char)minor;
    for (size_t i = 0; i < len_bytes; i++) buf[8 + i] = (unsigned char)(header_len >> (8 * i));
    memset(buf + prefix, ' ', header_len);
    memcpy(buf + prefix, dict, strlen(dict));
    buf[total - 1] = '\n';
    memcpy(buf + total, data, data_len);
    write_file(path, buf, total + data_len);
}

/* npy_read of path fails with a one-line "PATH: ..." message containing want. */
static void expect_refusal(const char *path, const char *want) {
    npy_array a;
    char err[512] = "";
    int rc = npy_read(path, &a, err, sizeof err);
    CHECK(rc == -1, "%s: read succeeded, expected \"%s\"", path, want);
    CHECK(a.data == NULL, "%s: data left allocated after a failure", path);
    CHECK(!strncmp(err, path, strlen(path)) && !strncmp(err + strlen(path), ": ", 2),
          "message does not start with the path: %s", err);
    CHECK(strstr(err, want) != NULL, "message \"%s\" lacks \"%s\"", err, want);
    CHECK(strchr(err, '\n') == NULL, "message is not one line: %s", err);
}

static void round_trip(const char *name, int ndim, const size_t *shape) {
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    float *data = malloc((count ? count : 1) * sizeof(float));
    for (size_t i = 0; i < count; i++) data[i] = (float)i * 0.25f - 3.0f;
    char err[512] = "";
    const char *path = in_dir(name);
    CHECK(npy_write(path, data, ndim, shape, err, sizeof err) == 0, "write %s: %s", name, err);

    /* As NumPy writes it: version 1.0, data 64-byte aligned. */
    unsigned char prefix[10];
    FILE *f = fopen(path, "rb");
    CHECK(f && fread(prefix, 1, 10, f) == 10, "%s: cannot read back", name);
    if (f) fclose(f);
    size_t header_total = 10 + (prefix[8] | prefix[9] << 8);
    CHECK(prefix[6] == 1 && prefix[7] == 0, "%s: version %d.%d, expected 1.0", name, prefix[6], prefix[7]);
    CHECK(header_total % 64 == 0, "%s: data starts at %zu, not 64-aligned", name, header_total);
    CHECK(file_size(path) == (long)(header_total + count * sizeof(float)), "%s: size %ld", name,
          file_size(path));

    npy_array a;
    CHECK(npy_read(path, &a, err, sizeof err) == 0, "read %s: %s", name, err);
    CHECK(a.ndim == ndim, "%s: ndim %d, expected %d", name, a.ndim, ndim);
    for (int i = 0; i < ndim && i < a.ndim; i++)
        CHECK(a.shape[i] == shape[i], "%s: shape[%d] = %zu, expected %zu", name, i, a.shape[i], shape[i]);
    CHECK(a.count == count, "%s: count %zu, expected %zu", name, a.count, count);
    CHECK(a.data && (count == 0 || !memcmp(a.data, data, count * sizeof(float))), "%s: data differs", name);
    npy_free(&a);
    free(data);
}

static void test_round_trips(void) {
    round_trip("scalar.npy", 0, NULL);
    round_trip("vector.npy", 1, (size_t[]){5});
    round_trip("matrix.npy", 2, (size_t[]){2, 3});
    round_trip("weights.npy", 4, (size_t[]){8, 3, 3, 3});
    round_trip("eight_dims.npy", 8, (size_t[]){1, 2, 1, 2, 1, 2, 1, 3});
    round_trip("empty.npy", 2, (size_t[]){0, 3});

    /* The exact header NumPy writes for a (2, 3) float32 array. */
    FILE *f = fopen(in_dir("matrix.npy"), "rb");
    char text[128] = "";
    CHECK(f && fread(text, 1, 128, f) == 128, "matrix.npy: short");
    if (f) fclose(f);
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    CHECK(!memcmp(text, "\x93NUMPY\x01\x00\x76\x00", 10), "matrix.npy: prefix differs from NumPy's");
    CHECK(!memcmp(text + 10, dict, strlen(dict)) && text[127] == '\n', "matrix.npy: header differs");

    /* Overwriting replaces the file whole. */
    char err[512];
    float one = 42.0f;
    npy_array a;
    CHECK(npy_write(in_dir("matrix.npy"), &one, 0, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(npy_read(in_dir("matrix.npy"), &a, err, sizeof err) == 0 && a.ndim == 0 && a.count == 1 &&
          a.data[0] == 42.0f, "overwrite: %s", err);
    npy_free(&a);
}

static void test_hand_made_files(void) {
    const float six[6] = {1, 2, 3, 4, 5, 6};
    npy_array a;
    char err[512] = "";
    struct {
        const char *name, *dict;
        int major, align;
    } good[] = {
        {"v2.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 2, 64},
        {"v3.npy", "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f4\"}", 3, 64},
        {"old16.npy", "{'descr':'<f4','fortran_order':False,'shape':(6,)}", 1, 16},
        {"native.npy", "{'descr': '=f4', 'fortran_order': False, 'shape': (3, 2,), }", 1, 64},
        {"py2long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 1, 64},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *path = in_dir(good[i].name);
        write_npy_by_hand(path, good[i].major, 0, good[i].dict, good[i].align, six, sizeof six);
        int rc = npy_read(path, &a, err, sizeof err);
        CHECK(rc == 0, "%s: %s", good[i].name, err);
        CHECK(rc != 0 || (a.count == 6 && !memcmp(a.data, six, sizeof six)), "%s: data differs",
              good[i].name);
        npy_free(&a);
    }
}

static void test_refusals(void) {
    const float data[24] = {0};
    const char *ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    write_npy_by_hand(in_dir("f8.npy"), 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                      64, data, 24);
    expect_refusal(in_dir("f8.npy"),
                   "dtype is '<f8' (float64); convbench needs float32: save with arr.astype(np.float32)");
    write_npy_by_hand(in_dir("i4.npy"), 1, 0, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
                      64, data, 12);
    expect_refusal(in_dir("i4.npy"), "dtype is '<i4' (int32)");
    write_npy_by_hand(in_dir("big.npy"), 1, 0, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }",
                      64, data, 12);
    expect_refusal(in_dir("big.npy"), "'>f4' (big-endian float32)");
    write_npy_by_hand(in_dir("rec.npy"), 1, 0,
                      "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", 64, data, 12);
    expect_refusal(in_dir("rec.npy"), "structured");

    write_file(in_dir("text.npy"), "x,y\n1,2\n", 8);
    expect_refusal(in_dir("text.npy"), "not a .npy file");
    write_file(in_dir("empty.npy"), "", 0);
    expect_refusal(in_dir("empty.npy"), "not a .npy file");
    write_npy_by_hand(in_dir("v4.npy"), 4, 0, ok_dict, 64, data, 24);
    expect_refusal(in_dir("v4.npy"), "version 4.0 is not supported");

    write_npy_by_hand(in_dir("fortran.npy"), 1, 0,
                      "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 64, data, 24);
    expect_refusal(in_dir("fortran.npy"), "Fortran order; convbench needs C order");

    const struct { const char *name, *dict, *want; } malformed[] = {
        {"bad_shape.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", "integers"},
        {"no_shape.npy", "{'descr': '<f4', 'fortran_order': False, }", "key 'shape' is missing"},
        {"extra_key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}",
         "unexpected key 'x'"},
        {"twice.npy", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}",
         "appears twice"},
        {"not_dict.npy", "['descr', '<f4']", "not a dict"},
        {"bad_bool.npy", "{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", "True or False"},
        {"unclosed.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)", "expected ',' or '}'"},
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        write_npy_by_hand(in_dir(malformed[i].name), 1, 0, malformed[i].dict, 64, data, 24);
        expect_refusal(in_dir(malformed[i].name), "malformed .npy header");
        expect_refusal(in_dir(malformed[i].name), malformed[i].want);
    }
    write_npy_by_hand(in_dir("nine.npy"), 1, 0,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }",
                      64, data, 4);
    expect_refusal(in_dir("nine.npy"), "array has 9 dimensions; convbench reads at most 8");

    /* Header length pointing past the end of the file. */
    unsigned char short_header[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x76, 0, '{', '\''};
    write_file(in_dir("short_header.npy"), short_header, sizeof short_header);
    expect_refusal(in_dir("short_header.npy"), "truncated .npy header");

    write_npy_by_hand(in_dir("short_data.npy"), 1, 0,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", 64, data, 40);
    expect_refusal(in_dir("short_data.npy"), "holds 40 of 96 bytes the shape (2, 3, 4) needs");
    write_npy_by_hand(in_dir("short_vec.npy"), 1, 0,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 64, data, 0);
    expect_refusal(in_dir("short_vec.npy"), "holds 0 of 20 bytes the shape (5,) needs");

    /* An absurd shape is refused from the file size, not by allocating it. */
    write_npy_by_hand(in_dir("absurd.npy"), 1, 0,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000,), }", 64, data, 8);
    expect_refusal(in_dir("absurd.npy"), "holds 8 of 4000000000000000 bytes");

    write_npy_by_hand(in_dir("trailing.npy"), 1, 0, ok_dict, 64, data, 24 + 3);
    expect_refusal(in_dir("trailing.npy"), "3 bytes of trailing data");

    expect_refusal(in_dir("missing.npy"), "cannot open");
    expect_refusal(dir, "cannot read"); /* a directory opens but does not read */
}

/* Names in dir other than the round trip's and hand-made files: temp files
 * left behind would show up here. */
static int count_temp_files(void) {
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    return n;
}

static void test_write_failures(void) {
    const float v[2] = {1, 2};
    char err[512] = "";
    const char *path = in_dir("no/such/dir/w.npy");
    CHECK(npy_write(path, v, 1, (size_t[]){2}, err, sizeof err) == -1, "write into a missing directory");
    CHECK(!strncmp(err, path, strlen(path)) && strstr(err, "directory exists") && !strchr(err, '\n'),
          "message: %s", err);
    CHECK(access(in_dir("no"), F_OK) != 0, "write created a directory");

    /* The rename fails onto an existing directory: the temp file must go. */
    mkdir(in_dir("a_directory"), 0755);
    err[0] = '\0';
    CHECK(npy_write(in_dir("a_directory"), v, 1, (size_t[]){2}, err, sizeof err) == -1,
          "write over a directory");
    CHECK(strstr(err, "cannot write") != NULL, "message: %s", err);
    CHECK(count_temp_files() == 0, "temp files left behind");
    rmdir(in_dir("a_directory"));

    CHECK(npy_write(in_dir("x.npy"), v, 9, (size_t[]){1, 1, 1, 1, 1, 1, 1, 1, 2}, err, sizeof err) == -1,
          "9 dimensions written");
}

static void remove_dir(void) {
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(in_dir(e->d_name));
    if (d) closedir(d);
    rmdir(dir);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/convbench-npy-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trips();
    test_hand_made_files();
    test_refusals();
    test_write_failures();
    remove_dir();
    return check_report();
}
