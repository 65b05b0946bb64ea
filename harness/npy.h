/* NumPy .npy files: f32, C order (little-endian '<f4'), versions 1.0-3.0. */
#ifndef CONVBENCH_NPY_H
#define CONVBENCH_NPY_H
#include <stddef.h>

#define NPY_MAX_DIMS 8
typedef struct npy_array {
    int ndim;
    size_t shape[NPY_MAX_DIMS];
    float *data;         /* cb_alloc'd; free with npy_free */
    size_t count;        /* product of shape */
} npy_array;

/* Read path. Returns 0, or -1 with "PATH: what is wrong" in err (not f32,
 * Fortran order, bad header, truncated data, ...). */
int npy_read(const char *path, npy_array *a, char *err, size_t errlen);
/* Write data with the given shape atomically (temp file + rename). */
int npy_write(const char *path, const float *data, int ndim, const size_t *shape,
              char *err, size_t errlen);
void npy_free(npy_array *a);
#endif
