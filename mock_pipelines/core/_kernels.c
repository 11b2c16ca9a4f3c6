/* Compiled kernels of the generator's randomness (mock_pipelines/core/random.py, vocab.py,
 * generators/numeric.py): the counter-based bits and uniforms of a batch of rows, inverse-CDF sampling
 * through a guide table, the Zipf ranks of a foreign key, and the keyed permutation of [0, n).
 *
 * Each computes exactly what the NumPy code beside it computes (the tests compare them bit for bit): only
 * integer arithmetic, and for floats the same correctly rounded operations in the same order (a multiply
 * by a power of two, a division, a comparison), never a library function whose last bit could differ. The
 * NumPy code stays the reference and the fallback where this module was not built. They exist because
 * the NumPy forms pass over each block several times (a Zipf-skewed foreign key: ~27 ns a row in NumPy,
 * ~15 here, bench/bench_kernels.py), while here each value is computed in registers in one pass. Each
 * releases the GIL: a batch is generated while the writer's threads encode the ones before it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define MIX1 0xBF58476D1CE4E5B9ULL
#define MIX2 0x94D049BB133111EBULL
#define TWO_POW_53 9007199254740992.0

/* splitmix64's finaliser: random.py's _mix. */
static inline uint64_t mix(uint64_t z) {
    z ^= z >> 30;
    z *= MIX1;
    z ^= z >> 27;
    z *= MIX2;
    z ^= z >> 31;
    return z;
}

static int get(PyObject *obj, Py_buffer *view, int writable, Py_ssize_t itemsize, const char *what) {
    if (PyObject_GetBuffer(obj, view, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous%s buffer", what, writable ? " writable" : "");
        return -1;
    }
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s must hold %zd-byte values", what, itemsize);
        return -1;
    }
    return 0;
}

static void release(Py_buffer *views, int n) {
    for (int i = 0; i < n; i++)
        if (views[i].obj) PyBuffer_Release(&views[i]);
}

PyDoc_STRVAR(bits_into_doc,
"bits_into(rows, adds, out)\n\n"
"For n ``rows`` (int64) and k ``adds`` (uint64: a key plus a stream's step), write into ``out`` (n * k\n"
"uint64, row by row) splitmix64(row * GOLDEN + add): random.py's ``bits`` for k streams at once.");

static PyObject *bits_into(PyObject *self, PyObject *args) {
    PyObject *o_rows, *o_adds, *o_out;
    if (!PyArg_ParseTuple(args, "OOO", &o_rows, &o_adds, &o_out)) return NULL;
    Py_buffer v[3] = {{0}};
    PyObject *result = NULL;
    if (get(o_rows, &v[0], 0, 8, "rows") < 0 || get(o_adds, &v[1], 0, 8, "adds") < 0 ||
            get(o_out, &v[2], 1, 8, "out") < 0) goto done;
    Py_ssize_t n = v[0].len / 8, k = v[1].len / 8;
    if (v[2].len / 8 != n * k) {
        PyErr_SetString(PyExc_ValueError, "out must hold len(rows) * len(adds) values");
        goto done;
    }
    const uint64_t *rows = v[0].buf, *adds = v[1].buf;
    uint64_t *out = v[2].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t base = rows[i] * GOLDEN;
        for (Py_ssize_t j = 0; j < k; j++) out[i * k + j] = mix(base + adds[j]);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release(v, 3);
    return result;
}

PyDoc_STRVAR(uniform_into_doc,
"uniform_into(rows, add, out)\n\n"
"For n ``rows`` (int64), write into ``out`` (n float64) the uniform in [0, 1) of each row's bits:\n"
"(splitmix64(row * GOLDEN + add) >> 11) / 2**53, random.py's ``uniform``.");

static PyObject *uniform_into(PyObject *self, PyObject *args) {
    PyObject *o_rows, *o_out;
    unsigned long long add;
    if (!PyArg_ParseTuple(args, "OKO", &o_rows, &add, &o_out)) return NULL;
    Py_buffer v[2] = {{0}};
    PyObject *result = NULL;
    if (get(o_rows, &v[0], 0, 8, "rows") < 0 || get(o_out, &v[1], 1, 8, "out") < 0) goto done;
    if (v[0].len != v[1].len) {
        PyErr_SetString(PyExc_ValueError, "out must hold one value a row");
        goto done;
    }
    Py_ssize_t n = v[0].len / 8;
    const uint64_t *rows = v[0].buf;
    double *out = v[1].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) out[i] = (double)(mix(rows[i] * GOLDEN + add) >> 11) / TWO_POW_53;
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release(v, 2);
    return result;
}

/* The guide table of a WeightedIndex: guide[b] = min(searchsorted(cdf, b / buckets, "right"), last) for
 * b = 0..buckets. A draw u in bucket b has its answer in [guide[b], guide[b + 1]]: vocab.py's _within
 * halves that range, here with the same steps. */
typedef struct {
    const double *cdf;
    const int32_t *guide;
    int64_t last, buckets;
} Guide;

static inline int64_t within(const Guide *g, double u, int64_t lo, int64_t hi) {
    while (lo < hi) {
        int64_t mid = (lo + hi) >> 1;
        /* the NumPy form reads cdf[min(mid, last)]; the lower bound only guards against a guide that falls */
        int64_t at = mid < 0 ? 0 : (mid < g->last ? mid : g->last);
        if (g->cdf[at] <= u) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static inline int64_t draw(const Guide *g, double u) {
    int64_t b = (int64_t)(u * (double)g->buckets);
    if (b < 0) b = 0;  /* u is in [0, 1): these two only keep a bad input inside the table */
    if (b >= g->buckets) b = g->buckets - 1;
    int64_t lo = g->guide[b], hi = g->guide[b + 1];
    return lo == hi ? lo : within(g, u, lo, hi);
}

/* Borrow cdf and guide (buffers 0 and 1 of v) into g; -1 with an exception set when they do not fit. */
static int guide_of(PyObject *o_cdf, PyObject *o_guide, Py_buffer *v, Guide *g) {
    if (get(o_cdf, &v[0], 0, 8, "cdf") < 0 || get(o_guide, &v[1], 0, 4, "guide") < 0) return -1;
    g->cdf = v[0].buf;
    g->guide = v[1].buf;
    g->last = v[0].len / 8 - 1;
    g->buckets = v[1].len / 4 - 1;
    /* The guide rises (WeightedIndex builds it with searchsorted), so its two ends bound every index a draw
     * returns: checked here once a call instead of once an entry (reads of cdf are clamped all the same). */
    if (g->last < 0 || g->buckets < 1 || g->guide[0] < 0 || g->guide[g->buckets] > g->last) {
        PyErr_SetString(PyExc_ValueError, "cdf must not be empty, guide must hold two entries or more and stay "
                        "within the indices of cdf");
        return -1;
    }
    return 0;
}

/* Borrow the buffers of a guided draw: cdf, guide, the n inputs (8-byte values) and the n outputs (int64),
 * as v[0..3]; -1 with an exception set when they do not fit. */
static int draws_of(PyObject *o_cdf, PyObject *o_guide, PyObject *o_in, PyObject *o_out, const char *what,
                    Py_buffer *v, Guide *g) {
    if (guide_of(o_cdf, o_guide, v, g) < 0 || get(o_in, &v[2], 0, 8, what) < 0 || get(o_out, &v[3], 1, 8, "out") < 0)
        return -1;
    if (v[2].len != v[3].len) {
        PyErr_SetString(PyExc_ValueError, "out must hold one value a draw");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(weighted_into_doc,
"weighted_into(u, cdf, guide, out)\n\n"
"Write into ``out`` (n int64) min(searchsorted(cdf, u, side='right'), len(cdf) - 1) for the n uniforms\n"
"``u`` (float64 in [0, 1)), through the guide table ``guide`` (int32, buckets + 1 entries).");

static PyObject *weighted_into(PyObject *self, PyObject *args) {
    PyObject *o_u, *o_cdf, *o_guide, *o_out;
    if (!PyArg_ParseTuple(args, "OOOO", &o_u, &o_cdf, &o_guide, &o_out)) return NULL;
    Py_buffer v[4] = {{0}};
    Guide g;
    PyObject *result = NULL;
    if (draws_of(o_cdf, o_guide, o_u, o_out, "u", v, &g) < 0) goto done;
    Py_ssize_t n = v[2].len / 8;
    const double *u = v[2].buf;
    int64_t *out = v[3].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) out[i] = draw(&g, u[i]);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release(v, 4);
    return result;
}

PyDoc_STRVAR(weighted_bits_into_doc,
"weighted_bits_into(bits, cdf, guide, out)\n\n"
"weighted_into for the uniforms (bits >> 11) / 2**53 of n ``bits`` (uint64): the bucket is read from the\n"
"top bits (buckets a power of two), the uniform computed only where the bucket straddles a CDF step.");

static PyObject *weighted_bits_into(PyObject *self, PyObject *args) {
    PyObject *o_bits, *o_cdf, *o_guide, *o_out;
    if (!PyArg_ParseTuple(args, "OOOO", &o_bits, &o_cdf, &o_guide, &o_out)) return NULL;
    Py_buffer v[4] = {{0}};
    Guide g;
    PyObject *result = NULL;
    if (draws_of(o_cdf, o_guide, o_bits, o_out, "bits", v, &g) < 0) goto done;
    if ((g.buckets & (g.buckets - 1)) || g.buckets < 2) {
        PyErr_SetString(PyExc_ValueError, "the buckets must be a power of two");
        goto done;
    }
    int shift = 64 - __builtin_ctzll((unsigned long long)g.buckets);
    Py_ssize_t n = v[2].len / 8;
    const uint64_t *bits = v[2].buf;
    int64_t *out = v[3].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t b = (int64_t)(bits[i] >> shift);  /* = floor(u * buckets), exactly */
        int64_t lo = g.guide[b], hi = g.guide[b + 1];
        out[i] = lo == hi ? lo : within(&g, (double)(bits[i] >> 11) / TWO_POW_53, lo, hi);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release(v, 4);
    return result;
}

PyDoc_STRVAR(zipf_head_into_doc,
"zipf_head_into(u, head_share, cdf, guide, out) -> int\n\n"
"The ranks of the Zipf head: for each of the n uniforms ``u`` below ``head_share``, weighted_into of\n"
"u / head_share; -1 for the others (the tail, which the caller inverts). Returns how many are -1.");

static PyObject *zipf_head_into(PyObject *self, PyObject *args) {
    PyObject *o_u, *o_cdf, *o_guide, *o_out;
    double head_share;
    if (!PyArg_ParseTuple(args, "OdOOO", &o_u, &head_share, &o_cdf, &o_guide, &o_out)) return NULL;
    Py_buffer v[4] = {{0}};
    Guide g;
    PyObject *result = NULL;
    if (draws_of(o_cdf, o_guide, o_u, o_out, "u", v, &g) < 0) goto done;
    Py_ssize_t n = v[2].len / 8, tail = 0;
    const double *u = v[2].buf;
    int64_t *out = v[3].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        if (u[i] < head_share) {
            out[i] = draw(&g, u[i] / head_share);
        } else {
            out[i] = -1;
            tail++;
        }
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(tail);
done:
    release(v, 4);
    return result;
}

PyDoc_STRVAR(permute_into_doc,
"permute_into(x, n, add, m1, m2, mask, shift, out)\n\n"
"Write into ``out`` (int64) the keyed permutation of [0, n) of each of the values ``x`` (int64 in [0, n)):\n"
"random.py's ``permute``, the rounds of permute_pow2 (with its add, multipliers, mask and shift) applied\n"
"again while the value is not below n.");

static PyObject *permute_into(PyObject *self, PyObject *args) {
    PyObject *o_x, *o_out;
    unsigned long long n, add, m1, m2, mask;
    int shift;
    if (!PyArg_ParseTuple(args, "OKKKKKiO", &o_x, &n, &add, &m1, &m2, &mask, &shift, &o_out)) return NULL;
    Py_buffer v[2] = {{0}};
    PyObject *result = NULL;
    if (get(o_x, &v[0], 0, 8, "x") < 0 || get(o_out, &v[1], 1, 8, "out") < 0) goto done;
    /* The rounds are a bijection of [0, mask] only for a mask of all ones and odd multipliers: with anything
     * else a walk might never come back below n. */
    if (v[0].len != v[1].len || shift < 1 || shift > 63 || n < 2 || n - 1 > mask || (mask & (mask + 1)) ||
            !(m1 & 1) || !(m2 & 1)) {
        PyErr_SetString(PyExc_ValueError, "out must hold one value an input, [0, n) fit the mask, the mask be "
                        "all ones and the multipliers odd");
        goto done;
    }
    Py_ssize_t count = v[0].len / 8;
    const uint64_t *x = v[0].buf;
    uint64_t *out = v[1].buf;
    for (Py_ssize_t i = 0; i < count; i++) {  /* a walk ends only from inside [0, n): its cycle returns there */
        if (x[i] >= n) {
            PyErr_SetString(PyExc_ValueError, "x must hold values in [0, n)");
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t z = x[i];
        do {  /* cycle-walking: a bijection of [0, mask] walked until it lands in [0, n) */
            z = (z + add) & mask;
            z ^= z >> shift;
            z = (z * m1) & mask;
            z ^= z >> shift;
            z = (z * m2) & mask;
            z ^= z >> shift;
        } while (z >= n);
        out[i] = z;
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release(v, 2);
    return result;
}

static PyMethodDef methods[] = {
    {"bits_into", bits_into, METH_VARARGS, bits_into_doc},
    {"uniform_into", uniform_into, METH_VARARGS, uniform_into_doc},
    {"weighted_into", weighted_into, METH_VARARGS, weighted_into_doc},
    {"weighted_bits_into", weighted_bits_into, METH_VARARGS, weighted_bits_into_doc},
    {"zipf_head_into", zipf_head_into, METH_VARARGS, zipf_head_into_doc},
    {"permute_into", permute_into, METH_VARARGS, permute_into_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", NULL, 0, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
