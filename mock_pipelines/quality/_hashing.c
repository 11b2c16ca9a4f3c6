/* Compiled kernels of the stream's duplicate detection (mock_pipelines/quality/distinct.py,
 * distinct_stream.py): the 64-bit hash of each value of an Arrow string array, the split of hashes into
 * buckets, and the hashes of one bucket that occur more than once.
 *
 * Each computes exactly what the NumPy code beside it computes (the tests compare them bit for bit); the
 * NumPy code stays the reference and the fallback where this module was not built. They exist because the
 * NumPy forms make many passes over memory (the hash: one gather per 8-byte word of a value, ~42 ns an
 * e-mail address), while here each value is read once (~6 ns). Each releases the GIL: they run on the
 * measuring thread beside the writer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define M1 0x9E3779B97F4A7C15ULL
#define M2 0xBF58476D1CE4E5B9ULL
#define M3 0x94D049BB133111EBULL

/* The little-endian 64-bit word at p, whatever the machine's byte order (the hash is defined on bytes). */
static inline uint64_t load_le(const uint8_t *p, Py_ssize_t n) {
    uint64_t w = 0;
    if (n == 8) {
        memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        return w;
    }
    for (Py_ssize_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
    return w;
}

static inline uint64_t hash_value(const uint8_t *p, uint64_t len, const uint8_t *end) {
    uint64_t h = len * M1;
    uint64_t full = len >> 3;
    for (uint64_t k = 0; k < full; k++) {
        h ^= load_le(p + 8 * k, 8);
        h *= M2;
        h ^= h >> 29;
    }
    const uint8_t *last = p + 8 * full;
    uint64_t tail = len & 7;
    if (tail && last + 8 <= end)  /* one load, the bytes past the value masked off */
        h ^= load_le(last, 8) & ((1ULL << (8 * tail)) - 1);
    else
        h ^= load_le(last, (Py_ssize_t)tail);
    h *= M3;
    h ^= h >> 30;
    h *= M2;
    h ^= h >> 27;
    h *= M3;
    h ^= h >> 31;
    return h;
}

static int get(PyObject *obj, Py_buffer *view, int writable, const char *what) {
    if (PyObject_GetBuffer(obj, view, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous%s buffer", what, writable ? " writable" : "");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(string_hashes_doc,
"string_hashes(offsets, data, valid, out)\n\n"
"Write into ``out`` (n uint64) the hash of each of the n values whose byte ranges in ``data`` are given by\n"
"the n + 1 ``offsets`` (int32 or int64, Arrow's offsets of one array). ``valid`` is None or n bytes; a value\n"
"whose byte is 0 hashes as the empty string does.");

static PyObject *string_hashes(PyObject *self, PyObject *args) {
    PyObject *o_offsets, *o_data, *o_valid, *o_out;
    if (!PyArg_ParseTuple(args, "OOOO", &o_offsets, &o_data, &o_valid, &o_out)) return NULL;
    Py_buffer offsets = {0}, data = {0}, valid = {0}, out = {0};
    PyObject *result = NULL;
    int have_valid = o_valid != Py_None;
    if (get(o_offsets, &offsets, 0, "offsets") < 0) goto done;
    if (get(o_data, &data, 0, "data") < 0) goto done;
    if (have_valid && get(o_valid, &valid, 0, "valid") < 0) goto done;
    if (get(o_out, &out, 1, "out") < 0) goto done;
    Py_ssize_t width = offsets.itemsize;
    if (width != 4 && width != 8) {
        PyErr_SetString(PyExc_TypeError, "offsets must be int32 or int64");
        goto done;
    }
    Py_ssize_t n = out.len / 8;
    if (out.itemsize != 8 || offsets.len != (n + 1) * width || (have_valid && valid.len != n)) {
        PyErr_SetString(PyExc_ValueError, "offsets must hold one more entry than out (uint64), valid as many");
        goto done;
    }
    const uint8_t *bytes = data.buf;
    const uint8_t *ok = have_valid ? valid.buf : NULL;
    const uint8_t *end = bytes + data.len;
    uint64_t *h = out.buf;
    /* Check every range against the data before reading any (a corrupt array is an error, not a crash). */
    int64_t prev = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        int64_t at = width == 4 ? ((const int32_t *)offsets.buf)[i] : ((const int64_t *)offsets.buf)[i];
        if (at < 0 || at > data.len || (i > 0 && at < prev)) {
            PyErr_SetString(PyExc_ValueError, "offsets out of order or past the end of data");
            goto done;
        }
        prev = at;
    }
    Py_BEGIN_ALLOW_THREADS
    if (width == 4) {
        const int32_t *off = offsets.buf;
        for (Py_ssize_t i = 0; i < n; i++) {
            uint64_t len = ok && !ok[i] ? 0 : (uint64_t)(off[i + 1] - off[i]);
            h[i] = hash_value(bytes + off[i], len, end);
        }
    } else {
        const int64_t *off = offsets.buf;
        for (Py_ssize_t i = 0; i < n; i++) {
            uint64_t len = ok && !ok[i] ? 0 : (uint64_t)(off[i + 1] - off[i]);
            h[i] = hash_value(bytes + off[i], len, end);
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    if (offsets.obj) PyBuffer_Release(&offsets);
    if (data.obj) PyBuffer_Release(&data);
    if (valid.obj) PyBuffer_Release(&valid);
    if (out.obj) PyBuffer_Release(&out);
    return result;
}

PyDoc_STRVAR(split_by_bucket_doc,
"split_by_bucket(keys, ids, out, counts)\n\n"
"Write the n 8-byte ``keys`` into ``out`` grouped by their bucket ids (n uint8; bucket 0 first, and within a\n"
"bucket in the order of ``keys``: a stable counting sort) and the size of each of the 256 buckets into\n"
"``counts`` (int64).");

static PyObject *split_by_bucket(PyObject *self, PyObject *args) {
    PyObject *o_keys, *o_ids, *o_out, *o_counts;
    if (!PyArg_ParseTuple(args, "OOOO", &o_keys, &o_ids, &o_out, &o_counts)) return NULL;
    Py_buffer keys = {0}, ids = {0}, out = {0}, counts = {0};
    PyObject *result = NULL;
    if (get(o_keys, &keys, 0, "keys") < 0) goto done;
    if (get(o_ids, &ids, 0, "ids") < 0) goto done;
    if (get(o_out, &out, 1, "out") < 0) goto done;
    if (get(o_counts, &counts, 1, "counts") < 0) goto done;
    if (keys.itemsize != 8 || out.len != keys.len || ids.itemsize != 1 || ids.len * 8 != keys.len ||
            counts.itemsize != 8 || counts.len != 256 * 8) {
        PyErr_SetString(PyExc_ValueError, "keys and out must be n 8-byte values, ids n bytes, counts 256 int64");
        goto done;
    }
    Py_ssize_t n = ids.len;
    const uint64_t *k = keys.buf;
    const uint8_t *b = ids.buf;
    uint64_t *o = out.buf;
    int64_t *c = counts.buf;
    Py_BEGIN_ALLOW_THREADS
    int64_t at[256];
    memset(c, 0, 256 * sizeof(int64_t));
    for (Py_ssize_t i = 0; i < n; i++) c[b[i]]++;
    int64_t sum = 0;
    for (int j = 0; j < 256; j++) { at[j] = sum; sum += c[j]; }
    for (Py_ssize_t i = 0; i < n; i++) o[at[b[i]]++] = k[i];
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    if (keys.obj) PyBuffer_Release(&keys);
    if (ids.obj) PyBuffer_Release(&ids);
    if (out.obj) PyBuffer_Release(&out);
    if (counts.obj) PyBuffer_Release(&counts);
    return result;
}

PyDoc_STRVAR(repeated_keys_doc,
"repeated_keys(keys, out) -> int\n\n"
"Write into ``out`` the 8-byte keys that occur more than once in ``keys`` (a key that occurs k times is\n"
"written k - 1 times, in the order of those occurrences) and return how many there are; -1 when ``out``\n"
"is too short for them (then its content is undefined).");

/* The keys seen, in an open-addressing table of keys alone (linear probing, at most 3/4 full): one pass,
 * no sort, and 11-22 bytes of memory a key (NumPy's count-and-gather takes ~40-50). Zero marks a free slot, so
 * the key zero is counted apart. */
static inline size_t slot_of(uint64_t k, size_t mask) {
    uint64_t h = k * M1;
    return (size_t)(h ^ (h >> 32)) & mask;
}

static PyObject *repeated_keys(PyObject *self, PyObject *args) {
    PyObject *o_keys, *o_out;
    if (!PyArg_ParseTuple(args, "OO", &o_keys, &o_out)) return NULL;
    Py_buffer keys = {0}, out = {0};
    PyObject *result = NULL;
    if (get(o_keys, &keys, 0, "keys") < 0) goto done;
    if (get(o_out, &out, 1, "out") < 0) goto done;
    if (keys.itemsize != 8 || out.itemsize != 8) {
        PyErr_SetString(PyExc_ValueError, "keys and out must be 8-byte values");
        goto done;
    }
    Py_ssize_t n = keys.len / 8, room = out.len / 8, found = 0;
    size_t slots = 16;
    while (3 * slots < 4 * (size_t)n) slots <<= 1;
    uint64_t *table = calloc(slots, sizeof(uint64_t));
    if (!table) {
        PyErr_NoMemory();
        goto done;
    }
    const uint64_t *k = keys.buf;
    uint64_t *o = out.buf;
    size_t mask = slots - 1;
    Py_BEGIN_ALLOW_THREADS
    int zero = 0;
    for (Py_ssize_t i = 0; i < n && found >= 0; i++) {
        uint64_t key = k[i];
        int again;
        if (!key) {
            again = zero++ > 0;
        } else {
            size_t j = slot_of(key, mask);
            while (table[j] && table[j] != key) j = (j + 1) & mask;
            again = table[j] != 0;
            table[j] = key;
        }
        if (again) {
            if (found < room) o[found++] = key;
            else found = -1;
        }
    }
    free(table);
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(found);
done:
    if (keys.obj) PyBuffer_Release(&keys);
    if (out.obj) PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"string_hashes", string_hashes, METH_VARARGS, string_hashes_doc},
    {"split_by_bucket", split_by_bucket, METH_VARARGS, split_by_bucket_doc},
    {"repeated_keys", repeated_keys, METH_VARARGS, repeated_keys_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_hashing", NULL, 0, methods};

PyMODINIT_FUNC PyInit__hashing(void) { return PyModule_Create(&module); }
