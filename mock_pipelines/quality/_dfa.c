/* Compiled kernel of the regex proof of mock_pipelines/quality/regex_dfa.py: whether a byte automaton accepts
 * every value of an Arrow string array.
 *
 * The automaton is a table of next states, one row of 256 per state (uint8: at most 256 states), built in
 * Python from the rule's pattern; this kernel only runs it. A value is read a byte at a time, and each step
 * waits for the table read of the one before, so one value at a time runs at the latency of that read
 * (~1.5 ns a byte, as fast as RE2's own DFA). Here the values are cut into LANES runs that advance side by
 * side, their reads independent of one another: ~0.7 ns a byte (bench/bench_regex.py: 19–21 ns a 27-byte
 * e-mail, against 53 for RE2 over the values joined by newlines). It releases the GIL: it runs on the
 * measuring thread beside the writer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define LANES 8
#define CHECK_EVERY 4096  /* bytes of each lane between two looks for a dead lane */

static int get(PyObject *obj, Py_buffer *view, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous buffer", what);
        return -1;
    }
    return 0;
}

/* Run the automaton over the bytes [from[k], to[k]) of each lane k: its values back to back, ``mark`` 1 at the
 * last byte of each. ``steps`` folds the end of a value into the step: steps[state][mark][byte] is the next
 * state, or, at a value's last byte, ``start`` when that next state accepts and DEAD (0, which no byte
 * leaves) when not. DEAD at the end of a lane means a value was not accepted. The lanes advance side by side
 * over as many bytes as the shortest holds, then the rest of each lane alone. */
static void run_lanes(const uint8_t *bytes, const uint8_t *mark, const Py_ssize_t *from, const Py_ssize_t *to,
                      const uint8_t *steps, unsigned *state) {
    Py_ssize_t common = to[0] - from[0];
    for (int k = 1; k < LANES; k++)
        if (to[k] - from[k] < common) common = to[k] - from[k];
    /* eight chains in eight registers, each step one read of the table (the compiler keeps an array of
       states in memory, which doubles the time) */
    const uint8_t *p0 = bytes + from[0], *p1 = bytes + from[1], *p2 = bytes + from[2], *p3 = bytes + from[3];
    const uint8_t *p4 = bytes + from[4], *p5 = bytes + from[5], *p6 = bytes + from[6], *p7 = bytes + from[7];
    const uint8_t *m0 = mark + from[0], *m1 = mark + from[1], *m2 = mark + from[2], *m3 = mark + from[3];
    const uint8_t *m4 = mark + from[4], *m5 = mark + from[5], *m6 = mark + from[6], *m7 = mark + from[7];
    unsigned s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
    unsigned s4 = state[4], s5 = state[5], s6 = state[6], s7 = state[7];
#define STEP(k) s##k = steps[(s##k << 9) | ((unsigned)m##k[j] << 8) | p##k[j]]
    for (Py_ssize_t block = 0; block < common; block += CHECK_EVERY) {
        Py_ssize_t stop = block + CHECK_EVERY < common ? block + CHECK_EVERY : common;
        for (Py_ssize_t j = block; j < stop; j++) {
            STEP(0); STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6); STEP(7);
        }
        if (!s0 || !s1 || !s2 || !s3 || !s4 || !s5 || !s6 || !s7) {  /* a value failed: no proof, stop early */
            state[0] = 0;
            return;
        }
    }
#undef STEP
    unsigned s[LANES] = {s0, s1, s2, s3, s4, s5, s6, s7};
    for (int k = 0; k < LANES; k++) {
        unsigned t = s[k];
        for (Py_ssize_t at = from[k] + common; at < to[k]; at++) t = steps[(t << 9) | (mark[at] << 8) | bytes[at]];
        state[k] = t;
    }
}

static inline int64_t offset_at(const void *offsets, Py_ssize_t width, Py_ssize_t i) {
    return width == 4 ? ((const int32_t *)offsets)[i] : ((const int64_t *)offsets)[i];
}

PyDoc_STRVAR(all_accepted_doc,
"all_accepted(offsets, data, valid, table, accept, start) -> bool\n\n"
"Whether the automaton accepts each of the n values whose byte ranges in ``data`` are given by the n + 1\n"
"``offsets`` (int32 or int64, Arrow's offsets of one array). ``valid`` is None or n bytes; a value whose\n"
"byte is 0 is skipped (False when it holds bytes: not proven). ``table`` holds 256 next states (uint8) for\n"
"each of the s states, state 0 a dead end (every next state 0, not accepting); ``accept`` holds s bytes\n"
"(not 0: accepting), ``start`` the state each value starts in (not 0).");

static PyObject *all_accepted(PyObject *self, PyObject *args) {
    PyObject *o_offsets, *o_data, *o_valid, *o_table, *o_accept;
    unsigned start;
    if (!PyArg_ParseTuple(args, "OOOOOI", &o_offsets, &o_data, &o_valid, &o_table, &o_accept, &start)) return NULL;
    Py_buffer offsets = {0}, data = {0}, valid = {0}, table = {0}, accept = {0};
    PyObject *result = NULL;
    uint8_t *mark = NULL, *steps = NULL;
    int have_valid = o_valid != Py_None;
    if (get(o_offsets, &offsets, "offsets") < 0) goto done;
    if (get(o_data, &data, "data") < 0) goto done;
    if (have_valid && get(o_valid, &valid, "valid") < 0) goto done;
    if (get(o_table, &table, "table") < 0) goto done;
    if (get(o_accept, &accept, "accept") < 0) goto done;
    Py_ssize_t width = offsets.itemsize;
    if (width != 4 && width != 8) {
        PyErr_SetString(PyExc_TypeError, "offsets must be int32 or int64");
        goto done;
    }
    Py_ssize_t n = offsets.len / width - 1;
    Py_ssize_t states = accept.len;
    if (n < 0 || (have_valid && valid.len != n)) {
        PyErr_SetString(PyExc_ValueError, "offsets must hold one more entry than there are values, valid as many");
        goto done;
    }
    const uint8_t *next = table.buf, *accepting = accept.buf;
    if (table.itemsize != 1 || accept.itemsize != 1 || states < 2 || states > 256 || table.len != states * 256
            || start == 0 || start >= (unsigned)states || accepting[0]) {
        PyErr_SetString(PyExc_ValueError, "table must hold 256 uint8 next states for each of the 2 to 256 states "
                                          "of accept, state 0 not accepting, and start be another state");
        goto done;
    }
    for (Py_ssize_t i = 0; i < table.len; i++) {  /* every next state a state (no read past the table), 0 a dead end */
        if (next[i] >= states || (i < 256 && next[i])) {
            PyErr_SetString(PyExc_ValueError, "table holds a next state that is not a state, or leaves state 0");
            goto done;
        }
    }
    /* Check every range against the data before reading any (a corrupt array is an error, not a crash). */
    const uint8_t *ok = have_valid ? valid.buf : NULL;
    int proven = 1;
    for (Py_ssize_t i = 0; i <= n; i++) {
        int64_t at = offset_at(offsets.buf, width, i);
        int64_t before = i > 0 ? offset_at(offsets.buf, width, i - 1) : 0;
        if (at < 0 || at > data.len || (i > 0 && at < before)) {
            PyErr_SetString(PyExc_ValueError, "offsets out of order or past the end of data");
            goto done;
        }
        if (i > 0 && at == before && !(ok && !ok[i - 1]) && !accepting[start])
            proven = 0;  /* an empty value the automaton does not accept */
        if (i > 0 && at > before && ok && !ok[i - 1])
            proven = 0;  /* a null that holds bytes: its bytes are no value, and the lanes would read them */
    }
    if (!proven || n == 0) {
        result = PyBool_FromLong(proven);
        goto done;
    }
    int64_t base = offset_at(offsets.buf, width, 0), total = offset_at(offsets.buf, width, n) - base;
    mark = calloc((size_t)total + 1, 1);
    if (mark == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* steps[state][0][byte] is the next state; steps[state][1][byte], at a value's last byte, the state the next
       value starts in: start when the next state accepts, else dead */
    steps = malloc((size_t)states * 512);
    if (steps == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t s = 0; s < states; s++) {
        for (int b = 0; b < 256; b++) {
            uint8_t t = next[s * 256 + b];
            steps[s * 512 + b] = t;
            steps[s * 512 + 256 + b] = accepting[t] ? (uint8_t)start : 0;
        }
    }
    Py_ssize_t from[LANES], to[LANES];
    unsigned state[LANES];
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t end = offset_at(offsets.buf, width, i + 1);
        if (end > offset_at(offsets.buf, width, i)) mark[end - 1 - base] = 1;
    }
    for (int k = 0; k < LANES; k++) {  /* each lane a run of whole values */
        from[k] = (Py_ssize_t)(offset_at(offsets.buf, width, n * k / LANES) - base);
        to[k] = (Py_ssize_t)(offset_at(offsets.buf, width, n * (k + 1) / LANES) - base);
        state[k] = start;
    }
    run_lanes((const uint8_t *)data.buf + base, mark, from, to, steps, state);
    Py_END_ALLOW_THREADS
    for (int k = 0; k < LANES; k++) proven &= state[k] != 0;
    result = PyBool_FromLong(proven);
done:
    free(mark);
    free(steps);
    if (offsets.obj) PyBuffer_Release(&offsets);
    if (data.obj) PyBuffer_Release(&data);
    if (valid.obj) PyBuffer_Release(&valid);
    if (table.obj) PyBuffer_Release(&table);
    if (accept.obj) PyBuffer_Release(&accept);
    return result;
}

static PyMethodDef methods[] = {
    {"all_accepted", all_accepted, METH_VARARGS, all_accepted_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_dfa", NULL, 0, methods};

PyMODINIT_FUNC PyInit__dfa(void) { return PyModule_Create(&module); }
