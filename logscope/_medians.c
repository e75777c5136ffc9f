/* _medians: compiled kernels for the detectors' rolling medians and Mann-Kendall sign sum.
 *
 * Why hand-written: the detectors take about twenty rolling medians and a few trend tests
 * per run, each on a few hundred points. With numpy and scipy every call costs 30 to 100
 * microseconds of fixed overhead (argument checks, temporary arrays), which was a third of
 * a sweep's analysis time; these loops do the same work in a few microseconds. The
 * numpy code in logscope/smoothing.py and logscope/detectors/_stats.py computes exactly the
 * same numbers and is used when this module is not compiled; tests/test_fast_stats.py
 * compares the two and both against pandas and numpy.
 *
 * medians(values, start, stop, out): out[k] = median of values[start[k]:stop[k]] for windows
 *     whose start and stop never decrease (rolling windows); NaN for an empty window; an even
 *     count gives (a + b) / 2 of the two middle values, as pandas' rolling median does.
 *     values must be finite (the callers check).
 * centred(values, half, out): the centred rolling median of 2 * half + 1 points, the
 *     window shrinking at the ends (medians with start = max(0, i - half), stop =
 *     min(n, i + half + 1)).
 * sign_sum(values) -> int: the sum over i < j of sign(values[j] - values[i]).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* A sorted window: insert and remove by value (equal values are interchangeable). */
typedef struct {
    double *buf;
    Py_ssize_t size;
} window_t;

/* The first place whose value is not below v. Branch-free (the comparison feeds a conditional
 * move): on noisy values each comparison is a coin toss, and mispredicted branches made
 * this search most of the cost (measured on new data each call, not the same data repeated). */
static Py_ssize_t lower_bound(const double *buf, Py_ssize_t size, double v) {
    if (size == 0) return 0;
    const double *base = buf;
    Py_ssize_t n = size;
    while (n > 1) {
        Py_ssize_t half = n / 2;
        base = (base[half] < v) ? base + half : base;
        n -= half;
    }
    return (base - buf) + (*base < v);
}

static void window_insert(window_t *w, double v) {
    Py_ssize_t at = lower_bound(w->buf, w->size, v);
    memmove(w->buf + at + 1, w->buf + at, (size_t)(w->size - at) * sizeof(double));
    w->buf[at] = v;
    w->size++;
}

static void window_remove(window_t *w, double v) {
    Py_ssize_t at = lower_bound(w->buf, w->size, v);
    if (at >= w->size) at = w->size - 1; /* cannot happen for a value in the window */
    memmove(w->buf + at, w->buf + at + 1, (size_t)(w->size - at - 1) * sizeof(double));
    w->size--;
}

/* Replace the value old (in the window) by v with one move of the values between their
 * places: a rolling window sliding by one point changes by one value. */
static void window_replace(window_t *w, double old, double v) {
    double *b = w->buf;
    Py_ssize_t i = lower_bound(b, w->size, old);
    Py_ssize_t j = lower_bound(b, w->size, v);
    if (i >= w->size) i = w->size - 1; /* cannot happen for a value in the window */
    if (j > i) {
        memmove(b + i, b + i + 1, (size_t)(j - 1 - i) * sizeof(double));
        b[j - 1] = v;
    } else {
        memmove(b + j + 1, b + j, (size_t)(i - j) * sizeof(double));
        b[j] = v;
    }
}

static double window_median(const window_t *w) {
    Py_ssize_t c = w->size;
    if (c == 0) return NAN;
    if (c % 2) return w->buf[c / 2];
    return (w->buf[c / 2 - 1] + w->buf[c / 2]) / 2;
}

/* Fill out[k] for count windows [start(k), stop(k)); the bounds come from arrays or from half. */
static int run_windows(const double *y, Py_ssize_t n, const long long *start, const long long *stop,
                       Py_ssize_t half, Py_ssize_t count, double *out) {
    /* the window never holds more values than the longest window (sliding replaces one value by
     * one; otherwise it grows to the new window before it shrinks), not the whole series */
    Py_ssize_t cap = 1;
    if (start != NULL) {
        for (Py_ssize_t k = 0; k < count; k++)
            if (stop[k] - start[k] > cap) cap = (Py_ssize_t)(stop[k] - start[k]);
    } else {
        cap = 2 * half + 1;
    }
    if (cap > n) cap = n > 0 ? n : 1;
    window_t w;
    w.buf = PyMem_Malloc((size_t)cap * sizeof(double));
    if (w.buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    w.size = 0;
    Py_ssize_t lo = 0, hi = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_ssize_t a, b;
        if (start != NULL) {
            a = (Py_ssize_t)start[k];
            b = (Py_ssize_t)stop[k];
        } else {
            a = k - half < 0 ? 0 : k - half;
            b = k + half + 1 > n ? n : k + half + 1;
        }
        if (a < lo || b < hi || a < 0 || b > n) {
            PyMem_Free(w.buf);
            PyErr_SetString(PyExc_ValueError, "windows must stay inside the values and never move back");
            return -1;
        }
        if (a >= b) { /* empty: drop everything before b */
            lo = hi = b;
            w.size = 0;
            out[k] = NAN;
            continue;
        }
        if (a >= hi) { /* no overlap with the previous window */
            lo = hi = a;
            w.size = 0;
        }
        while (hi < b && lo < a) window_replace(&w, y[lo++], y[hi++]);
        while (hi < b) window_insert(&w, y[hi++]);
        while (lo < a) window_remove(&w, y[lo++]);
        out[k] = window_median(&w);
    }
    PyMem_Free(w.buf);
    return 0;
}

static int get_buffer(PyObject *obj, Py_buffer *view, const char *format, Py_ssize_t itemsize, int writable,
                      const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != itemsize || view->format == NULL || strchr(format, view->format[0]) == NULL ||
        view->format[1] != '\0') {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous array of %s", name,
                     itemsize == 8 && format[0] == 'd' ? "float64" : "int64");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *medians(PyObject *self, PyObject *args) {
    PyObject *ov, *os, *oe, *oo;
    if (!PyArg_ParseTuple(args, "OOOO", &ov, &os, &oe, &oo)) return NULL;
    Py_buffer v, s, e, o;
    if (get_buffer(ov, &v, "d", 8, 0, "values") < 0) return NULL;
    if (get_buffer(os, &s, "ql", 8, 0, "start") < 0) goto fail_v;
    if (get_buffer(oe, &e, "ql", 8, 0, "stop") < 0) goto fail_s;
    if (get_buffer(oo, &o, "d", 8, 1, "out") < 0) goto fail_e;
    Py_ssize_t count = s.len / 8;
    if (e.len / 8 != count || o.len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "start, stop and out must have the same length");
        goto fail_o;
    }
    int rc = run_windows((const double *)v.buf, v.len / 8, (const long long *)s.buf, (const long long *)e.buf, 0,
                         count, (double *)o.buf);
    PyBuffer_Release(&o);
    PyBuffer_Release(&e);
    PyBuffer_Release(&s);
    PyBuffer_Release(&v);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
fail_o:
    PyBuffer_Release(&o);
fail_e:
    PyBuffer_Release(&e);
fail_s:
    PyBuffer_Release(&s);
fail_v:
    PyBuffer_Release(&v);
    return NULL;
}

static PyObject *centred(PyObject *self, PyObject *args) {
    PyObject *ov, *oo;
    Py_ssize_t half;
    if (!PyArg_ParseTuple(args, "OnO", &ov, &half, &oo)) return NULL;
    if (half < 0) {
        PyErr_SetString(PyExc_ValueError, "half must not be negative");
        return NULL;
    }
    Py_buffer v, o;
    if (get_buffer(ov, &v, "d", 8, 0, "values") < 0) return NULL;
    if (get_buffer(oo, &o, "d", 8, 1, "out") < 0) {
        PyBuffer_Release(&v);
        return NULL;
    }
    int rc = 0;
    if (o.len != v.len) {
        PyErr_SetString(PyExc_ValueError, "out must have the length of values");
        rc = -1;
    } else {
        rc = run_windows((const double *)v.buf, v.len / 8, NULL, NULL, half, v.len / 8, (double *)o.buf);
    }
    PyBuffer_Release(&o);
    PyBuffer_Release(&v);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *sign_sum(PyObject *self, PyObject *arg) {
    Py_buffer v;
    if (get_buffer(arg, &v, "d", 8, 0, "values") < 0) return NULL;
    const double *y = (const double *)v.buf;
    Py_ssize_t n = v.len / 8;
    long long s = 0;
    for (Py_ssize_t j = 1; j < n; j++) {
        double yj = y[j];
        long long row = 0;
        for (Py_ssize_t i = 0; i < j; i++) row += (yj > y[i]) - (yj < y[i]);
        s += row;
    }
    PyBuffer_Release(&v);
    return PyLong_FromLongLong(s);
}

static PyMethodDef methods[] = {
    {"medians", medians, METH_VARARGS, "medians(values, start, stop, out): medians of rolling windows into out."},
    {"centred", centred, METH_VARARGS, "centred(values, half, out): centred rolling median, shrinking at the ends."},
    {"sign_sum", sign_sum, METH_O, "sign_sum(values) -> int: sum over i < j of sign(values[j] - values[i])."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_medians", "Compiled rolling medians and Mann-Kendall sign sum for the detectors.",
    -1, methods,
};

PyMODINIT_FUNC PyInit__medians(void) { return PyModule_Create(&module); }
