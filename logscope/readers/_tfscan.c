/* _tfscan: a compiled scanner for TensorBoard event files (TFRecord of Event protos).
 *
 * Why hand-written: decoding each record with the protobuf runtime from Python costs
 * microseconds per event; this walks the protobuf wire format directly and decodes
 * only the fields that carry scalars, at memory speed. logscope/readers/_tfscan_py.py
 * is a line-for-line pure-Python port with identical results; the tests compare them.
 *
 * scan(buffer, plugins) -> dict, see SCAN_DOC below. Both masked CRC32Cs of every
 * record are verified (SSE4.2 or ARMv8 CRC instructions when the CPU has them,
 * detected at run time; a slicing-by-8 table otherwise).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifndef _WIN32
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#define TFSCAN_HAVE_PREAD 1
#endif

#if defined(__GNUC__) && defined(__x86_64__)
#define TFSCAN_X86_64 1
#endif

#if defined(__GNUC__) && defined(__aarch64__)
#define TFSCAN_AARCH64 1
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif
#endif

#if defined(__GNUC__)
#define TFSCAN_INLINE inline __attribute__((always_inline))
#define TFSCAN_NOINLINE __attribute__((noinline))
#else
#define TFSCAN_INLINE inline
#define TFSCAN_NOINLINE
#endif

/* ------------------------------------------------------------------ CRC32C */

static uint32_t crc_tab[8][256];

static void crc_tab_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

static inline uint32_t ld32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t ld64(const uint8_t *p) { return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32); }

static uint32_t crc_sw(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n >= 8) {
        uint32_t lo = ld32(p) ^ crc, hi = ld32(p + 4);
        crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^ crc_tab[5][(lo >> 16) & 0xff] ^
              crc_tab[4][lo >> 24] ^ crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
              crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#ifdef TFSCAN_X86_64
/* SSE4.2's crc32 instruction in inline assembly, not the intrinsics: the intrinsics need the
 * calling function compiled for SSE4.2, so the scanner could not inline them and paid a call
 * per record (they run only after the run-time check, crc_hw_on). */
static TFSCAN_INLINE uint32_t crc_hw(const uint8_t *p, size_t n) {
    uint64_t crc = 0xFFFFFFFFu;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        __asm__("crc32q %1, %0" : "+r"(crc) : "rm"(w));
        p += 8;
        n -= 8;
    }
    uint32_t c = (uint32_t)crc;
    if (n >= 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        __asm__("crc32l %1, %0" : "+r"(c) : "rm"(w));
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        uint16_t w;
        memcpy(&w, p, 2);
        __asm__("crc32w %1, %0" : "+r"(c) : "rm"(w));
        p += 2;
        n -= 2;
    }
    if (n) {
        uint8_t w = *p;
        __asm__("crc32b %1, %0" : "+r"(c) : "rm"(w));
    }
    return ~c;
}
static int crc_hw_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}
#elif defined(TFSCAN_AARCH64)
#if defined(__clang__)
#define TFSCAN_CRC_TARGET __attribute__((target("crc")))
#else
#define TFSCAN_CRC_TARGET __attribute__((target("+crc")))
#endif
TFSCAN_CRC_TARGET static uint32_t crc_hw(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        __asm__("crc32cx %w0, %w0, %x1" : "+r"(c) : "r"(w));
        p += 8;
        n -= 8;
    }
    while (n--) {
        uint32_t b = *p++;
        __asm__("crc32cb %w0, %w0, %w1" : "+r"(c) : "r"(b));
    }
    return ~c;
}
static int crc_hw_available(void) {
#if defined(__ARM_FEATURE_CRC32)
    return 1;
#elif defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#else
    return 0;
#endif
}
#else
static uint32_t crc_hw(const uint8_t *p, size_t n) { return crc_sw(p, n); }
static int crc_hw_available(void) { return 0; }
#endif

static int crc_hw_on; /* the CPU has CRC32C instructions */

static TFSCAN_INLINE uint32_t crc_fn(const uint8_t *p, size_t n) { return crc_hw_on ? crc_hw(p, n) : crc_sw(p, n); }

static TFSCAN_INLINE uint32_t masked_crc(const uint8_t *p, size_t n) {
    uint32_t c = crc_fn(p, n);
    return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}

/* ------------------------------------------------------------ wire format */

#define MAX_GROUP_DEPTH 32

static TFSCAN_INLINE int rd_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out) {
    const uint8_t *p = *pp;
    if (end - p >= 3) { /* up to three bytes (values below 2^21: steps, lengths) unrolled */
        uint64_t b = p[0];
        if (b < 0x80) {
            *out = b;
            *pp = p + 1;
            return 1;
        }
        uint64_t r = b & 0x7f;
        b = p[1];
        if (b < 0x80) {
            *out = r | (b << 7);
            *pp = p + 2;
            return 1;
        }
        r |= (b & 0x7f) << 7;
        b = p[2];
        if (b < 0x80) {
            *out = r | (b << 14);
            *pp = p + 3;
            return 1;
        }
    } else if (p < end && !(*p & 0x80)) {
        *out = *p;
        *pp = p + 1;
        return 1;
    }
    uint64_t r = 0;
    int shift = 0;
    while (p < end) {
        uint8_t b = *p++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = r;
            *pp = p;
            return 1;
        }
        shift += 7;
        if (shift >= 70) return 0;
    }
    return 0;
}

/* Read a field key; 0 on malformed (truncated, > 32 bits, field number 0). */
static inline int rd_key(const uint8_t **pp, const uint8_t *end, uint32_t *fn, uint32_t *wt) {
    uint64_t key;
    if (!rd_varint(pp, end, &key) || key > 0xFFFFFFFFu || (key >> 3) == 0) return 0;
    *fn = (uint32_t)(key >> 3);
    *wt = (uint32_t)(key & 7);
    return 1;
}

/* Read a length-delimited payload's bounds. */
static inline int rd_len(const uint8_t **pp, const uint8_t *end, const uint8_t **start, size_t *len) {
    uint64_t n;
    if (!rd_varint(pp, end, &n) || n > (uint64_t)(end - *pp)) return 0;
    *start = *pp;
    *len = (size_t)n;
    *pp += n;
    return 1;
}

/* Skip one field of wire type wt whose key was just read; 0 if malformed. */
static int skip_field(const uint8_t **pp, const uint8_t *end, uint32_t fn, uint32_t wt, int depth) {
    uint64_t v;
    const uint8_t *s;
    size_t n;
    switch (wt) {
    case 0:
        return rd_varint(pp, end, &v);
    case 1:
        if (end - *pp < 8) return 0;
        *pp += 8;
        return 1;
    case 2:
        return rd_len(pp, end, &s, &n);
    case 5:
        if (end - *pp < 4) return 0;
        *pp += 4;
        return 1;
    case 3:
        if (depth >= MAX_GROUP_DEPTH) return 0;
        for (;;) {
            uint32_t f2, w2;
            if (!rd_key(pp, end, &f2, &w2)) return 0;
            if (w2 == 4) return f2 == fn;
            if (!skip_field(pp, end, f2, w2, depth + 1)) return 0;
        }
    default: /* 4 (an end-group with no start), 6, 7 */
        return 0;
    }
}

/* ------------------------------------------------------------------- tags */

/* The columns of a tag's points are bytes objects grown in place with _PyBytes_Resize
 * (documented for building a new bytes object) and returned as they are: no final copy.
 * The record numbers (seqs) are kept as a range while they are one, as they are when a
 * writer logs its tags in a fixed cycle: that column is a quarter of the output memory,
 * and fresh memory costs a page fault per 4 KB, more than decoding the records in it. */
enum { COL_STEPS, COL_VALS, COL_WALLS, COL_SEQS, NCOLS };

typedef struct {
    uint8_t *key; /* the raw tag (owned: scan_fd's window is refilled) */
    Py_ssize_t klen;
    uint32_t hash;
    PyObject *name;   /* decoded tag (owned) */
    PyObject *plugin; /* first plugin name seen for this tag (owned), NULL if none yet */
    int is_scalars;
    int bad_utf8;
    int from_dict;    /* plugin came from the caller's dict, not this file */
    Py_ssize_t next;  /* the entry looked up after this one last time (+1; 0 = none) */
    /* A record of this tag decoded to one point: its bytes after the wall time and step (one
     * summary field to the end, owned), and where the number was in them. A record whose bytes
     * there are the same but for the number decodes the same way to that number. */
    uint8_t *tmpl;
    size_t tmpl_len; /* 0 until such a record is seen */
    size_t hole_off;
    int hole_size;
    int32_t hole_dtype;
    int hole_f32_last; /* the number is a float32 at the end (add_scalar's layout) */
    Py_ssize_t n, cap;
    PyObject *cols[NCOLS]; /* bytes, cap * 8 long; cols[COL_SEQS] NULL while the seqs are a range */
    char *raw[NCOLS];      /* their buffers, refreshed when they grow */
    int64_t seq_first, seq_step, seq_next; /* the range: point i has seq seq_first + i * seq_step */
} entry_t;

/* Where a value's number sits in the record: its bytes, read as little-endian bits of a
 * tensor dtype (a simple_value is DT_FLOAT). p is NULL if the number is not at a fixed place
 * of a fixed size (a varint). */
typedef struct { const uint8_t *p; int size; int32_t dtype; } hole_t;
typedef struct { Py_ssize_t entry; double value; hole_t hole; } pending_t;
typedef struct { const uint8_t *tag; size_t tlen; const uint8_t *content; size_t clen; } hparam_t; /* this record's */
typedef struct { const uint8_t *p; size_t n; } span_t;

typedef struct {
    PyObject *plugins; /* caller's dict: tag -> plugin name */
    entry_t *entries;
    Py_ssize_t nentries, centries;
    Py_ssize_t *table; /* open addressing: entry index + 1, 0 = empty */
    Py_ssize_t tcap;
    Py_ssize_t *order; /* entries in order of their first point */
    Py_ssize_t norder, corder;
    /* per record, committed only if the whole Event decodes */
    pending_t *pend;
    Py_ssize_t npend, cpend;
    Py_ssize_t *undo;
    Py_ssize_t nundo, cundo;
    hparam_t *hp;
    Py_ssize_t nhp, chp;
    PyObject *hparams; /* list of (tag, content bytes) of the records decoded so far */
    span_t *spans; /* the Event's summary fields */
    Py_ssize_t nspans, cspans;
    Py_ssize_t nonscalar, nonscalar_pending;
    Py_ssize_t prev; /* the entry looked up last (+1; 0 = none) */
    Py_ssize_t first_cap; /* points to reserve for a tag seen for the first time */
    Py_ssize_t pos, size; /* the record being decoded: its offset in the file, and the file's size */
    int64_t seq;
    int pyerr; /* a Python exception is set */
} scan_t;

#define GROW(ptr, count, cap, type)                                                        \
    do {                                                                                   \
        if ((count) >= (cap)) {                                                            \
            Py_ssize_t ncap_ = (cap) ? (cap) * 2 : 16;                                     \
            type *np_ = (type *)PyMem_Realloc((ptr), (size_t)ncap_ * sizeof(type));        \
            if (!np_) { PyErr_NoMemory(); s->pyerr = 1; return -1; }                      \
            (ptr) = np_;                                                                   \
            (cap) = ncap_;                                                                 \
        }                                                                                  \
    } while (0)

static inline uint32_t hash_bytes(const uint8_t *p, Py_ssize_t n) {
    return crc_fn(p, (size_t)n); /* one instruction per 8 bytes when the CPU has CRC32C */
}

static PyObject *decode_utf8(const uint8_t *p, size_t n, int *bad) {
    PyObject *o = PyUnicode_DecodeUTF8((const char *)p, (Py_ssize_t)n, "strict");
    if (o || !PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) return o;
    PyErr_Clear();
    if (bad) *bad = 1;
    return PyUnicode_DecodeUTF8((const char *)p, (Py_ssize_t)n, "replace");
}

static void set_plugin(entry_t *e, PyObject *plugin) {
    e->plugin = plugin;
    e->is_scalars = PyUnicode_CompareWithASCIIString(plugin, "scalars") == 0;
}

static int rehash(scan_t *s, Py_ssize_t ncap) {
    Py_ssize_t *t = (Py_ssize_t *)PyMem_Calloc((size_t)ncap, sizeof(Py_ssize_t));
    if (!t) { PyErr_NoMemory(); s->pyerr = 1; return -1; }
    for (Py_ssize_t i = 0; i < s->nentries; i++) {
        Py_ssize_t j = s->entries[i].hash & (ncap - 1);
        while (t[j]) j = (j + 1) & (ncap - 1);
        t[j] = i + 1;
    }
    PyMem_Free(s->table);
    s->table = t;
    s->tcap = ncap;
    return 0;
}

static Py_ssize_t lookup_slow(scan_t *s, const uint8_t *key, size_t klen);

/* a[0:n] == b[0:n], for the short tags of real logs without a call to memcmp (two
 * overlapping word compares up to 16 bytes). */
static TFSCAN_INLINE int same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    uint64_t x, y, u, v;
    if (n >= 8 && n <= 32) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&u, a + n - 8, 8);
        memcpy(&v, b + n - 8, 8);
        if ((x ^ y) | (u ^ v)) return 0;
        if (n <= 16) return 1;
        memcpy(&x, a + 8, 8);
        memcpy(&y, b + 8, 8);
        memcpy(&u, a + n - 16, 8);
        memcpy(&v, b + n - 16, 8);
        return ((x ^ y) | (u ^ v)) == 0;
    }
    return memcmp(a, b, n) == 0;
}

/* The entry for a raw tag, created (name decoded, plugin taken from the dict) if new.
 * Writers cycle through their tags in a fixed order, so the tag that followed this
 * one's predecessor last time is tried first, before hashing. */
static TFSCAN_INLINE Py_ssize_t lookup(scan_t *s, const uint8_t *key, size_t klen) {
    Py_ssize_t guess = s->prev ? s->entries[s->prev - 1].next : 0;
    if (guess) {
        entry_t *e = &s->entries[guess - 1];
        if (e->klen == (Py_ssize_t)klen && same_bytes(e->key, key, klen)) {
            s->prev = guess;
            return guess - 1;
        }
    }
    Py_ssize_t i = lookup_slow(s, key, klen);
    if (i >= 0) {
        if (s->prev) s->entries[s->prev - 1].next = i + 1;
        s->prev = i + 1;
    }
    return i;
}

static Py_ssize_t lookup_slow(scan_t *s, const uint8_t *key, size_t klen) {
    uint32_t h = hash_bytes(key, (Py_ssize_t)klen);
    Py_ssize_t j = h & (s->tcap - 1);
    while (s->table[j]) {
        entry_t *e = &s->entries[s->table[j] - 1];
        if (e->hash == h && e->klen == (Py_ssize_t)klen && memcmp(e->key, key, klen) == 0) return s->table[j] - 1;
        j = (j + 1) & (s->tcap - 1);
    }
    GROW(s->entries, s->nentries, s->centries, entry_t);
    entry_t *e = &s->entries[s->nentries];
    memset(e, 0, sizeof(*e));
    if (!(e->key = (uint8_t *)PyMem_Malloc(klen ? klen : 1))) { PyErr_NoMemory(); s->pyerr = 1; return -1; }
    memcpy(e->key, key, klen);
    e->klen = (Py_ssize_t)klen;
    e->hash = h;
    e->name = decode_utf8(key, klen, &e->bad_utf8);
    if (!e->name) { PyMem_Free(e->key); s->pyerr = 1; return -1; }
    PyObject *known = PyDict_GetItemWithError(s->plugins, e->name);
    if (known) {
        Py_INCREF(known);
        set_plugin(e, known);
        e->from_dict = 1;
    } else if (PyErr_Occurred()) {
        Py_DECREF(e->name);
        PyMem_Free(e->key);
        s->pyerr = 1;
        return -1;
    }
    Py_ssize_t idx = s->nentries++;
    s->table[j] = idx + 1;
    if (s->nentries * 2 > s->tcap && rehash(s, s->tcap * 2) < 0) return -1;
    return idx;
}

static int grow_columns(scan_t *s, entry_t *e) {
    Py_ssize_t nc = e->cap ? e->cap * 2 : s->first_cap;
    for (int c = 0; c < NCOLS; c++) {
        if (c == COL_SEQS && !e->cols[c]) continue; /* still a range */
        if (!e->cols[c] ? !(e->cols[c] = PyBytes_FromStringAndSize(NULL, nc * 8))
                        : _PyBytes_Resize(&e->cols[c], nc * 8) < 0) {
            s->pyerr = 1;
            return -1;
        }
        e->raw[c] = PyBytes_AS_STRING(e->cols[c]);
    }
    e->cap = nc;
    return 0;
}

/* The seqs stop being a range at point i: write them out (the first i from the range). */
static int seqs_column(scan_t *s, entry_t *e, Py_ssize_t i) {
    if (!(e->cols[COL_SEQS] = PyBytes_FromStringAndSize(NULL, e->cap * 8))) { s->pyerr = 1; return -1; }
    int64_t *out = (int64_t *)(e->raw[COL_SEQS] = PyBytes_AS_STRING(e->cols[COL_SEQS]));
    for (Py_ssize_t k = 0; k < i; k++) out[k] = e->seq_first + k * e->seq_step;
    return 0;
}

static TFSCAN_INLINE int push_point(scan_t *s, entry_t *e, int64_t step, double value, double wall, int64_t seq) {
    if (e->n >= e->cap && grow_columns(s, e) < 0) return -1;
    Py_ssize_t i = e->n++;
    ((int64_t *)e->raw[COL_STEPS])[i] = step;
    ((double *)e->raw[COL_VALS])[i] = value;
    ((double *)e->raw[COL_WALLS])[i] = wall;
    if (e->cols[COL_SEQS]) {
        ((int64_t *)e->raw[COL_SEQS])[i] = seq;
    } else if (seq == e->seq_next && i >= 2) {
        e->seq_next += e->seq_step;
    } else if (i == 0) {
        e->seq_first = seq;
    } else if (i == 1 && seq > e->seq_first) { /* a step of 0 (one record, the tag twice) is no range */
        e->seq_step = seq - e->seq_first;
        e->seq_next = seq + e->seq_step;
    } else {
        if (seqs_column(s, e, i) < 0) return -1;
        ((int64_t *)e->raw[COL_SEQS])[i] = seq;
    }
    return 0;
}

/* ----------------------------------------------------------------- tensors */

enum { F_FLOAT, F_DOUBLE, F_INT, F_INT64, F_BOOL, F_HALF, F_UINT32, F_UINT64, NFIELDS };

typedef struct {
    int32_t dtype;
    int bad_shape; /* some dimension is not 1: not a single number */
    const uint8_t *content;
    size_t clen;
    Py_ssize_t count[NFIELDS];
    uint64_t first[NFIELDS]; /* raw bits of the first element */
    const uint8_t *first_at[NFIELDS]; /* where a fixed-size first element is, NULL for a varint */
} tensor_t;

static int parse_dim(const uint8_t *p, const uint8_t *end, tensor_t *t) {
    int64_t size = 0;
    while (p < end) {
        uint32_t fn, wt;
        uint64_t v;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 1 && wt == 0) {
            if (!rd_varint(&p, end, &v)) return 0;
            size = (int64_t)v;
        } else if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    if (size != 1) t->bad_shape = 1;
    return 1;
}

static int parse_shape(const uint8_t *p, const uint8_t *end, tensor_t *t) {
    while (p < end) {
        uint32_t fn, wt;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 2 && wt == 2) {
            const uint8_t *s;
            size_t n;
            if (!rd_len(&p, end, &s, &n) || !parse_dim(s, s + n, t)) return 0;
        } else if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    return 1;
}

static inline void add_elem(tensor_t *t, int f, uint64_t bits, const uint8_t *at) {
    if (t->count[f]++ == 0) {
        t->first[f] = bits;
        t->first_at[f] = at;
    }
}

/* A repeated numeric field: `width` 4 or 8 for fixed-size elements, 0 for varints. */
static int rd_repeated(const uint8_t **pp, const uint8_t *end, uint32_t wt, int width, tensor_t *t, int f) {
    uint64_t v;
    if (wt == 2) {
        const uint8_t *s;
        size_t n;
        if (!rd_len(pp, end, &s, &n)) return 0;
        const uint8_t *e = s + n;
        if (width) {
            if (n % (size_t)width) return 0;
            for (; s < e; s += width) add_elem(t, f, width == 4 ? ld32(s) : ld64(s), s);
        } else {
            while (s < e) {
                if (!rd_varint(&s, e, &v)) return 0;
                add_elem(t, f, v, NULL);
            }
        }
        return 1;
    }
    if (width == 4 && wt == 5) {
        if (end - *pp < 4) return 0;
        add_elem(t, f, ld32(*pp), *pp);
        *pp += 4;
        return 1;
    }
    if (width == 8 && wt == 1) {
        if (end - *pp < 8) return 0;
        add_elem(t, f, ld64(*pp), *pp);
        *pp += 8;
        return 1;
    }
    if (width == 0 && wt == 0) {
        if (!rd_varint(pp, end, &v)) return 0;
        add_elem(t, f, v, NULL);
        return 1;
    }
    return -1; /* wrong wire type: an unknown field */
}

static int parse_tensor(const uint8_t *p, const uint8_t *end, tensor_t *t) {
    static const int field_of[18] = {-1, -1, -1, -1, -1, F_FLOAT, F_DOUBLE, F_INT, -1, -1, F_INT64, F_BOOL, -1, F_HALF, -1, -1, F_UINT32, F_UINT64};
    static const int width_of[NFIELDS] = {4, 8, 0, 0, 0, 0, 0, 0};
    while (p < end) {
        uint32_t fn, wt;
        uint64_t v;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 1 && wt == 0) {
            if (!rd_varint(&p, end, &v)) return 0;
            t->dtype = (int32_t)(uint32_t)v;
            continue;
        }
        if (fn == 2 && wt == 2) {
            const uint8_t *s;
            size_t n;
            if (!rd_len(&p, end, &s, &n) || !parse_shape(s, s + n, t)) return 0;
            continue;
        }
        if (fn == 4 && wt == 2) {
            if (!rd_len(&p, end, &t->content, &t->clen)) return 0;
            continue;
        }
        if (fn < 18 && field_of[fn] >= 0) {
            int r = rd_repeated(&p, end, wt, width_of[field_of[fn]], t, field_of[fn]);
            if (r == 0) return 0;
            if (r == 1) continue;
        }
        if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    return 1;
}

static double half_to_double(uint32_t h) {
    uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    double v;
    if (exp == 0) v = ldexp((double)man, -24);
    else if (exp == 31) v = man ? Py_NAN : Py_HUGE_VAL;
    else v = ldexp((double)(man | 0x400), (int)exp - 25);
    return sign ? -v : v;
}

static TFSCAN_INLINE double bits_to_f32(uint32_t b) {
    float f;
    memcpy(&f, &b, 4);
    return (double)f;
}

/* The one number a rank-0 (or all-ones shape) real tensor holds; 0 if it is not one. */
/* A number's little-endian bits (1, 2, 4 or 8 bytes at c). */
static TFSCAN_INLINE uint64_t bits_at(const uint8_t *c, int size) {
    return size == 1 ? c[0] : size == 2 ? (uint64_t)(c[0] | (c[1] << 8)) : size == 4 ? ld32(c) : ld64(c);
}

/* The number the bits of a real dtype hold, as float64. */
static double dtype_value(int32_t dtype, uint64_t bits) {
    switch (dtype) {
    case 1: return bits_to_f32((uint32_t)bits);
    case 2: { double d; memcpy(&d, &bits, 8); return d; }
    case 3: return (double)(int32_t)(uint32_t)bits;
    case 4: return (double)(uint8_t)bits;
    case 5: return (double)(int16_t)(uint16_t)bits;
    case 6: return (double)(int8_t)(uint8_t)bits;
    case 17: return (double)(uint16_t)bits;
    case 9: return (double)(int64_t)bits;
    case 10: return bits ? 1.0 : 0.0;
    case 14: return bits_to_f32(((uint32_t)bits & 0xffff) << 16);
    case 19: return half_to_double((uint32_t)bits & 0xffff);
    case 22: return (double)(uint32_t)bits;
    default: return (double)bits; /* 23, uint64 */
    }
}

/* The one number a rank-0 (or all-ones shape) real tensor holds, and where it is (hole);
 * 0 if it is not one. */
static int tensor_value(const tensor_t *t, double *out, hole_t *hole) {
    int f, size;
    switch (t->dtype) {
    case 1: f = F_FLOAT; size = 4; break;
    case 2: f = F_DOUBLE; size = 8; break;
    case 3: case 4: case 5: case 6: case 17: f = F_INT; size = (t->dtype == 3) ? 4 : (t->dtype == 5 || t->dtype == 17) ? 2 : 1; break;
    case 9: f = F_INT64; size = 8; break;
    case 10: f = F_BOOL; size = 1; break;
    case 14: case 19: f = F_HALF; size = 2; break;
    case 22: f = F_UINT32; size = 4; break;
    case 23: f = F_UINT64; size = 8; break;
    default: return 0;
    }
    if (t->bad_shape) return 0;
    uint64_t bits;
    *hole = (hole_t){NULL, 0, t->dtype};
    if (t->clen) {
        if (t->clen != (size_t)size) return 0;
        bits = bits_at(t->content, size);
        hole->p = t->content;
        hole->size = size;
    } else {
        if (t->count[f] > 1) return 0;
        bits = t->count[f] ? t->first[f] : 0;
        if (t->count[f] && t->first_at[f]) { /* float_val, double_val: 4 or 8 bytes */
            hole->p = t->first_at[f];
            hole->size = f == F_FLOAT ? 4 : 8;
        }
    }
    *out = dtype_value(t->dtype, bits);
    return 1;
}

/* ------------------------------------------------------------------ events */

static int parse_plugin_data(const uint8_t *p, const uint8_t *end, const uint8_t **name, size_t *nlen,
                             const uint8_t **content, size_t *clen) {
    while (p < end) {
        uint32_t fn, wt;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 1 && wt == 2) {
            if (!rd_len(&p, end, name, nlen)) return 0;
        } else if (fn == 2 && wt == 2) {
            if (!rd_len(&p, end, content, clen)) return 0;
        } else if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    return 1;
}

static int parse_metadata(const uint8_t *p, const uint8_t *end, const uint8_t **name, size_t *nlen,
                          const uint8_t **content, size_t *clen) {
    while (p < end) {
        uint32_t fn, wt;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 1 && wt == 2) {
            const uint8_t *s;
            size_t n;
            if (!rd_len(&p, end, &s, &n) || !parse_plugin_data(s, s + n, name, nlen, content, clen)) return 0;
        } else if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    return 1;
}

static int span_is(const uint8_t *p, size_t n, const char *lit) {
    size_t l = strlen(lit);
    return n == l && memcmp(p, lit, l) == 0;
}

/* One Summary.Value: 1 ok, 0 malformed, -1 Python error. */
static int parse_value(scan_t *s, const uint8_t *p, const uint8_t *end) {
    static const uint8_t empty[1] = {0};
    const uint8_t *tag = empty, *node = empty, *pname = empty, *content = empty;
    size_t tlen = 0, nlen = 0, plen = 0, clen = 0;
    int has_meta = 0;
    uint32_t kind = 0;
    float fval = 0;
    const uint8_t *fat = NULL; /* where fval is */
    tensor_t t; /* zeroed when the first tensor field is seen: most values have none */
    while (p < end) {
        uint32_t fn, wt;
        const uint8_t *sp;
        size_t n;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 1 && wt == 2) {
            if (!rd_len(&p, end, &tag, &tlen)) return 0;
        } else if (fn == 2 && wt == 5) {
            if (end - p < 4) return 0;
            uint32_t b = ld32(p);
            memcpy(&fval, &b, 4);
            fat = p;
            p += 4;
            kind = 2;
        } else if (fn == 8 && wt == 2) {
            if (!rd_len(&p, end, &sp, &n)) return 0;
            if (kind != 8) memset(&t, 0, sizeof(t));
            kind = 8;
            if (!parse_tensor(sp, sp + n, &t)) return 0;
        } else if (fn >= 3 && fn <= 6 && wt == 2) {
            if (!rd_len(&p, end, &sp, &n)) return 0;
            kind = fn;
        } else if (fn == 7 && wt == 2) {
            if (!rd_len(&p, end, &node, &nlen)) return 0;
        } else if (fn == 9 && wt == 2) {
            if (!rd_len(&p, end, &sp, &n) || !parse_metadata(sp, sp + n, &pname, &plen, &content, &clen)) return 0;
            has_meta = 1;
        } else if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    Py_ssize_t i = -1;
    if (has_meta) {
        i = lookup(s, tag, tlen);
        if (i < 0) return -1;
        entry_t *e = &s->entries[i];
        if (!e->plugin) {
            PyObject *name = decode_utf8(pname, plen, NULL);
            if (!name) { s->pyerr = 1; return -1; }
            set_plugin(e, name);
            GROW(s->undo, s->nundo, s->cundo, Py_ssize_t);
            s->undo[s->nundo++] = i;
        }
        if (span_is(pname, plen, "hparams")) {
            GROW(s->hp, s->nhp, s->chp, hparam_t);
            s->hp[s->nhp++] = (hparam_t){tag, tlen, content, clen};
        }
    }
    if (kind == 2 || kind == 8) {
        double v = fval;
        hole_t hole = {fat, 4, 1};
        /* One lookup per value when it can be (a second of the same tag would spoil the prediction of the next). */
        if (kind == 8 && tlen == 0) { /* TensorBoard's old tensor summaries are filed under node_name */
            tag = node;
            tlen = nlen;
            i = -1;
        }
        if (i < 0 && (i = lookup(s, tag, tlen)) < 0) return -1;
        if (kind == 8) {
            if (!s->entries[i].is_scalars) return 1;
            if (!tensor_value(&t, &v, &hole)) { s->nonscalar_pending++; return 1; }
        }
        GROW(s->pend, s->npend, s->cpend, pending_t);
        s->pend[s->npend++] = (pending_t){i, v, hole};
    }
    return 1;
}

static int parse_summary(scan_t *s, const uint8_t *p, const uint8_t *end) {
    while (p < end) {
        uint32_t fn, wt;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 1 && wt == 2) {
            const uint8_t *sp;
            size_t n;
            if (!rd_len(&p, end, &sp, &n)) return 0;
            int r = parse_value(s, sp, sp + n);
            if (r <= 0) return r;
        } else if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    return 1;
}

static int parse_session_log(const uint8_t *p, const uint8_t *end, int32_t *status) {
    while (p < end) {
        uint32_t fn, wt;
        uint64_t v;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 1 && wt == 0) {
            if (!rd_varint(&p, end, &v)) return 0;
            *status = (int32_t)(uint32_t)v;
        } else if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    return 1;
}

typedef struct {
    PyObject *starts;   /* list of (seq, step, offset) */
    PyObject *file_version;
    PyObject *damage;   /* list of (kind, offset, extra) */
} outs_t;

/* A tag's first point: note its order, and guess how many points to reserve. Growing
 * by doubling copies the columns; instead each new tag reserves its share of the
 * records the rest of the file will hold (estimated from the bytes per record so far).
 * Reserved pages that are never written cost no memory, and the final trim is an
 * in-place realloc. */
static int first_point(scan_t *s, Py_ssize_t i) {
    GROW(s->order, s->norder, s->corder, Py_ssize_t);
    s->order[s->norder++] = i;
    Py_ssize_t left = 256;
    if (s->pos > 0 && s->seq > 0) {
        double per_record = (double)s->pos / (double)s->seq;
        double records = (double)(s->size - s->pos) / (per_record > 16 ? per_record : 16);
        double share = records / (double)s->norder;
        left = share > (double)(1 << 20) ? (1 << 20) : (Py_ssize_t)share + 64; /* 32 MB; doubling after that */
    }
    s->first_cap = left < 256 ? 256 : left;
    return 0;
}

/* Keep a record's bytes after its wall time and step (rest..end) as its tag's template, if
 * they are one summary field running to the record's end (so the wall time and step are
 * all the record holds besides) and hold the point's number at a known place. Called for
 * records that did not match the template, so it follows a writer that changes layout
 * (TF1 writes a tag's metadata only on its first event). */
static int set_template(scan_t *s, entry_t *e, const uint8_t *rest, const uint8_t *end, hole_t hole) {
    const uint8_t *q = rest;
    uint64_t n;
    if (!hole.p || q >= end || *q != 0x2a) return 0;
    q++;
    if (!rd_varint(&q, end, &n) || n != (uint64_t)(end - q)) return 0;
    size_t tl = (size_t)(end - rest);
    if (tl != e->tmpl_len) {
        uint8_t *nt = (uint8_t *)PyMem_Realloc(e->tmpl, tl);
        if (!nt) { PyErr_NoMemory(); s->pyerr = 1; return -1; }
        e->tmpl = nt;
    }
    memcpy(e->tmpl, rest, tl);
    e->tmpl_len = tl;
    e->hole_off = (size_t)(hole.p - rest);
    e->hole_size = hole.size;
    e->hole_dtype = hole.dtype;
    e->hole_f32_last = hole.dtype == 1 && hole.size == 4 && e->hole_off + 4 == tl;
    return 0;
}

/* The point of a record (rest..end after its wall time and step) that matches the template
 * of the tag guessed + 1 but for its number (TF2 tensor scalars): 1, 0 if it does not
 * match, -1 on error. Out of line: add_scalar's case, inlined in fast_simple, runs faster
 * without it. */
static TFSCAN_NOINLINE int template_point(scan_t *s, Py_ssize_t guess, const uint8_t *p, const uint8_t *end,
                                          int64_t step, double wall, int64_t seq) {
    entry_t *e = &s->entries[guess - 1];
    size_t tl = e->tmpl_len, ho = e->hole_off, after = ho + (size_t)e->hole_size;
    if ((size_t)(end - p) != tl || !same_bytes(p, e->tmpl, ho) ||
        (after < tl && !same_bytes(p + after, e->tmpl + after, tl - after)))
        return 0;
    s->prev = guess;
    return push_point(s, e, step, dtype_value(e->hole_dtype, bits_at(p + ho, e->hole_size)), wall, seq) < 0 ? -1 : 1;
}

/* The exact bytes PyTorch and tensorboardX write for add_scalar: [wall_time] [step]
 * summary { value { tag, simple_value } }, short tag. Such a record is decoded here
 * directly (1), with the result parse_event would give; anything else returns 0 and
 * goes the general way. */
static TFSCAN_INLINE int fast_simple(scan_t *s, const uint8_t *p, const uint8_t *end, int64_t seq) {
    double wall = 0;
    uint64_t step = 0;
    if (p < end && *p == 0x09) {
        if (end - p < 9) return 0;
        uint64_t b = ld64(p + 1);
        memcpy(&wall, &b, 8);
        p += 9;
    }
    if (p < end && *p == 0x10) {
        p++;
        if (!rd_varint(&p, end, &step)) return 0;
    }
    float f;
    uint32_t fb;
    /* The record of the tag predicted to come next (see lookup) that made its template: the
     * same bytes but for the number decode the same way (the same checks pass, lookup would
     * return this tag) to the number in them. TF2 tensor scalars take this path too. */
    Py_ssize_t guess = s->prev ? s->entries[s->prev - 1].next : 0;
    if (guess) {
        entry_t *e = &s->entries[guess - 1];
        size_t tl = e->tmpl_len;
        if (e->hole_f32_last) { /* add_scalar's layout: a float32 at the end */
            if ((size_t)(end - p) == tl && same_bytes(p, e->tmpl, tl - 4)) {
                s->prev = guess;
                fb = ld32(p + tl - 4);
                memcpy(&f, &fb, 4);
                return push_point(s, e, (int64_t)step, (double)f, wall, seq) < 0 ? -1 : 1;
            }
        } else if (tl) {
            int r = template_point(s, guess, p, end, (int64_t)step, wall, seq);
            if (r) return r;
        }
    }
    /* 2a L1 0a L2 0a L3 tag 15 f32, each length one byte and consistent with the record's end */
    if (end - p < 11 || p[0] != 0x2a || p[2] != 0x0a || p[4] != 0x0a) return 0;
    size_t l1 = p[1], l2 = p[3], l3 = p[5];
    if (l1 >= 0x80 || l2 != l1 - 2 || l3 >= 0x80 || l3 + 7 != l2 || (size_t)(end - p) != l1 + 2 || p[6 + l3] != 0x15)
        return 0;
    fb = ld32(p + 7 + l3);
    memcpy(&f, &fb, 4);
    Py_ssize_t i = lookup(s, p + 6, l3);
    if (i < 0) return -1;
    entry_t *e = &s->entries[i];
    if (set_template(s, e, p, end, (hole_t){p + 7 + l3, 4, 1}) < 0) return -1;
    if (e->n == 0 && first_point(s, i) < 0) return -1;
    return push_point(s, e, (int64_t)step, (double)f, wall, seq) < 0 ? -1 : 1;
}

/* One Event record: 1 decoded, 0 malformed (nothing of it kept), -1 Python error. */
static int parse_event(scan_t *s, outs_t *o, const uint8_t *p, const uint8_t *end, int64_t seq, Py_ssize_t offset) {
    const uint8_t *rec = p;
    double wall = 0;
    int64_t step = 0;
    uint32_t what = 0;
    int32_t status = 0;
    const uint8_t *fv = NULL;
    size_t fvlen = 0;
    s->nspans = 0;
    s->npend = 0;
    s->nundo = 0;
    s->nhp = 0;
    s->nonscalar_pending = 0;
    while (p < end) {
        uint32_t fn, wt;
        uint64_t v;
        if (!rd_key(&p, end, &fn, &wt)) return 0;
        if (fn == 1 && wt == 1) {
            if (end - p < 8) return 0;
            uint64_t b = ld64(p);
            memcpy(&wall, &b, 8);
            p += 8;
        } else if (fn == 2 && wt == 0) {
            if (!rd_varint(&p, end, &v)) return 0;
            step = (int64_t)v;
        } else if (fn >= 3 && fn <= 9 && wt == 2) {
            const uint8_t *sp;
            size_t n;
            if (!rd_len(&p, end, &sp, &n)) return 0;
            if (fn == 5) {
                if (what != 5) s->nspans = 0;
                GROW(s->spans, s->nspans, s->cspans, span_t);
                s->spans[s->nspans++] = (span_t){sp, n};
            } else if (fn == 7) {
                if (what != 7) status = 0;
                if (!parse_session_log(sp, sp + n, &status)) return 0;
            } else if (fn == 3) {
                fv = sp;
                fvlen = n;
            }
            what = fn;
        } else if (!skip_field(&p, end, fn, wt, 0)) return 0;
    }
    if (what == 5) {
        for (Py_ssize_t k = 0; k < s->nspans; k++) {
            int r = parse_summary(s, s->spans[k].p, s->spans[k].p + s->spans[k].n);
            if (r <= 0) {
                for (Py_ssize_t u = 0; u < s->nundo; u++) {
                    entry_t *e = &s->entries[s->undo[u]];
                    Py_CLEAR(e->plugin);
                    e->is_scalars = 0;
                }
                s->nhp = 0;
                return r;
            }
        }
        for (Py_ssize_t k = 0; k < s->npend; k++) {
            Py_ssize_t i = s->pend[k].entry;
            entry_t *e = &s->entries[i];
            if (e->n == 0 && first_point(s, i) < 0) return -1;
            if (push_point(s, e, step, s->pend[k].value, wall, seq) < 0) return -1;
        }
        for (Py_ssize_t k = 0; k < s->nhp; k++) {
            hparam_t *h = &s->hp[k];
            PyObject *name = decode_utf8(h->tag, h->tlen, NULL);
            PyObject *t = name ? Py_BuildValue("(Ny#)", name, (const char *)h->content, (Py_ssize_t)h->clen) : NULL;
            if (!t || PyList_Append(s->hparams, t) < 0) { Py_XDECREF(t); s->pyerr = 1; return -1; }
            Py_DECREF(t);
        }
        if (s->npend == 1 && s->nhp == 0 && s->nonscalar_pending == 0 && s->pend[0].hole.p) {
            /* the tag's template, if the record is [wall time] [step] summary as fast_simple reads it */
            const uint8_t *q = rec;
            uint64_t v;
            if (q < end && *q == 0x09) q = end - q < 9 ? end : q + 9;
            if (q < end && *q == 0x10) {
                q++;
                if (!rd_varint(&q, end, &v)) q = end;
            }
            if (set_template(s, &s->entries[s->pend[0].entry], q, end, s->pend[0].hole) < 0) return -1;
        }
        s->nhp = 0;
        s->nonscalar += s->nonscalar_pending;
    } else if (what == 7 && status == 1) {
        PyObject *t = Py_BuildValue("(LLn)", (long long)seq, (long long)step, offset);
        if (!t || PyList_Append(o->starts, t) < 0) { Py_XDECREF(t); s->pyerr = 1; return -1; }
        Py_DECREF(t);
    } else if (what == 3 && o->file_version == Py_None) {
        PyObject *f = decode_utf8(fv, fvlen, NULL);
        if (!f) { s->pyerr = 1; return -1; }
        Py_SETREF(o->file_version, f);
    }
    return 1;
}

/* --------------------------------------------------------------- framing */

/* Is there a whole record, both CRCs good, at pos? */
static int record_at(const uint8_t *buf, Py_ssize_t size, Py_ssize_t pos) {
    if (size - pos < 16) return 0;
    uint64_t len = ld64(buf + pos);
    if (masked_crc(buf + pos, 8) != ld32(buf + pos + 8)) return 0;
    if (len > (uint64_t)(size - pos - 16)) return 0;
    return masked_crc(buf + pos + 12, (size_t)len) == ld32(buf + pos + 12 + len);
}

/* First offset >= from holding a whole valid record, or -1. Zero runs are skipped
 * (twelve zero bytes are never a valid header), so a NUL-filled tail costs little. */
static Py_ssize_t resync(const uint8_t *buf, Py_ssize_t size, Py_ssize_t from) {
    Py_ssize_t q = from;
    while (q + 16 <= size) {
        if (buf[q] == 0) {
            Py_ssize_t z = q;
            while (z < size && buf[z] == 0) z++;
            if (z - q >= 12) {
                q = z - 11;
                if (q + 16 > size) break;
            }
        }
        if (record_at(buf, size, q)) return q;
        q++;
    }
    return -1;
}

static PyObject *damage(PyObject *list, const char *kind, Py_ssize_t offset, long long extra) {
    PyObject *t = Py_BuildValue("(snL)", kind, offset, extra);
    if (!t || PyList_Append(list, t) < 0) { Py_XDECREF(t); return NULL; }
    Py_DECREF(t);
    return list;
}

PyDoc_STRVAR(SCAN_DOC,
"scan(buffer, plugins) -> dict\n\n"
"Decode the TFRecord/Event stream in ``buffer`` (bytes, mmap, ...). ``plugins`` maps a\n"
"tag to the plugin named by the first metadata seen for it; it is read and extended.\n"
"Keys of the result: ``tags`` [(name, steps int64, values float64, wall_times float64,\n"
"seqs int64) as bytes, in order of first point; seqs is a range instead when it is one\n"
"with a step of at least 1], ``starts`` [(seq, step, offset) of\n"
"SessionLog.START], ``file_version`` (first, or None), ``hparams`` [(tag, content bytes)],\n"
"``damage`` [(kind, offset, extra)], ``records`` (whole records read), ``nonscalar``\n"
"(scalars-plugin tensors that are not one real number), ``bad_utf8`` (tags with invalid\n"
"UTF-8, decoded with U+FFFD). ``seq`` is the record's index in the file.");

/* Set up a scan; 0, or -1 with an exception. */
static int scan_init(scan_t *s, outs_t *o, PyObject *plugins) {
    memset(s, 0, sizeof(*s));
    s->plugins = plugins;
    o->file_version = Py_None;
    Py_INCREF(Py_None);
    o->starts = PyList_New(0);
    o->damage = PyList_New(0);
    s->hparams = PyList_New(0);
    s->tcap = 64;
    s->table = (Py_ssize_t *)PyMem_Calloc((size_t)s->tcap, sizeof(Py_ssize_t));
    if (!s->table) PyErr_NoMemory();
    return o->starts && o->damage && s->hparams && s->table ? 0 : -1;
}

enum { RECORDS_DONE, RECORDS_MORE, RECORDS_REST };

/* Decode the records in buf[0:size), which holds the file's bytes from offset base on (the
 * file is fsize bytes long; at_eof: buf runs to its end, as in the whole-buffer scan).
 * Offsets in results are the file's. Returns -1 (error), RECORDS_DONE, RECORDS_MORE (the
 * *used bytes were decoded; the next record needs *need bytes from there, 0 if it fits),
 * or RECORDS_REST: damage at *used whose repair searches the rest of the file, so the
 * rest must be in buf (only returned when it is not). */
static int scan_records(scan_t *s, outs_t *o, const uint8_t *buf, Py_ssize_t size, Py_ssize_t base,
                        Py_ssize_t fsize, int at_eof, Py_ssize_t *used, Py_ssize_t *need) {
    PyObject *dmg = o->damage;
    Py_ssize_t pos = 0;
    int64_t seq = s->seq;
    s->size = fsize;
    while (pos < size) {
        if (size - pos < 12) {
            if (!at_eof) { *need = 12; s->seq = seq; *used = pos; return RECORDS_MORE; }
            if (!damage(dmg, "truncated", base + pos, size - pos)) return -1;
            pos = size;
            break;
        }
        uint64_t len = ld64(buf + pos);
        if (masked_crc(buf + pos, 8) != ld32(buf + pos + 8)) {
            if (!at_eof) break; /* RECORDS_REST */
            Py_ssize_t next = resync(buf, size, pos + 1);
            if (!damage(dmg, "length-crc", base + pos, next < 0 ? -1 : base + next)) return -1;
            if (next < 0) { pos = size; break; }
            pos = next;
            continue;
        }
        if (size - pos < 16 || len > (uint64_t)(size - pos - 16)) {
            if (!at_eof) {
                Py_ssize_t left = fsize - (base + pos);
                if (left < 16 || len > (uint64_t)(left - 16)) break; /* past the end: RECORDS_REST */
                *need = 16 + (Py_ssize_t)len;
                s->seq = seq;
                *used = pos;
                return RECORDS_MORE;
            }
            Py_ssize_t next = resync(buf, size, pos + 1);
            if (next < 0) {
                if (!damage(dmg, "truncated", base + pos, size - pos)) return -1;
                pos = size;
                break;
            }
            if (!damage(dmg, "length", base + pos, base + next)) return -1;
            pos = next;
            continue;
        }
        const uint8_t *data = buf + pos + 12;
        if (masked_crc(data, (size_t)len) != ld32(data + len)) {
            if (!damage(dmg, "data-crc", base + pos, (long long)len)) return -1;
            pos += 16 + (Py_ssize_t)len;
            continue;
        }
        s->pos = base + pos;
        s->seq = seq;
        int r = fast_simple(s, data, data + len, seq);
        if (r == 0) r = parse_event(s, o, data, data + len, seq, base + pos);
        if (r < 0) return -1;
        if (r == 0 && !damage(dmg, "corrupt", base + pos, (long long)len)) return -1;
        seq++;
        pos += 16 + (Py_ssize_t)len;
    }
    s->seq = seq;
    *used = pos;
    if (at_eof) return RECORDS_DONE;
    *need = 0;
    return pos < size ? RECORDS_REST : RECORDS_MORE;
}

/* The result dict (see SCAN_DOC); the plugins seen are added to the caller's dict. */
static PyObject *scan_result(scan_t *s, outs_t *o) {
    PyObject *tags = PyList_New(0);
    if (!tags) return NULL;
    Py_ssize_t bad = 0;
    for (Py_ssize_t k = 0; k < s->norder; k++) {
        entry_t *e = &s->entries[s->order[k]];
        bad += e->bad_utf8;
        for (int c = 0; c < NCOLS; c++)
            if (e->cols[c] && _PyBytes_Resize(&e->cols[c], e->n * 8) < 0) { Py_DECREF(tags); return NULL; }
        PyObject *seqs = e->cols[COL_SEQS];
        if (seqs) {
            Py_INCREF(seqs);
        } else { /* range(first, first + n * step, step); a single point has step 1 */
            int64_t step = e->n > 1 ? e->seq_step : 1;
            seqs = PyObject_CallFunction((PyObject *)&PyRange_Type, "LLL", (long long)e->seq_first,
                                         (long long)(e->seq_first + e->n * step), (long long)step);
            if (!seqs) { Py_DECREF(tags); return NULL; }
        }
        PyObject *t = Py_BuildValue("(OOOON)", e->name, e->cols[COL_STEPS], e->cols[COL_VALS], e->cols[COL_WALLS],
                                    seqs);
        if (!t || PyList_Append(tags, t) < 0) { Py_XDECREF(t); Py_DECREF(tags); return NULL; }
        Py_DECREF(t);
    }
    for (Py_ssize_t k = 0; k < s->nentries; k++) {
        entry_t *e = &s->entries[k];
        if (e->plugin && !e->from_dict && PyDict_SetDefault(s->plugins, e->name, e->plugin) == NULL) {
            Py_DECREF(tags);
            return NULL;
        }
    }
    return Py_BuildValue("{sNsOsOsOsOsLsnsn}", "tags", tags, "starts", o->starts, "file_version", o->file_version,
                         "hparams", s->hparams, "damage", o->damage, "records", (long long)s->seq, "nonscalar",
                         s->nonscalar, "bad_utf8", bad);
}

static void scan_free(scan_t *s, outs_t *o) {
    for (Py_ssize_t k = 0; k < s->nentries; k++) {
        entry_t *e = &s->entries[k];
        Py_XDECREF(e->name);
        Py_XDECREF(e->plugin);
        PyMem_Free(e->key);
        PyMem_Free(e->tmpl);
        for (int c = 0; c < NCOLS; c++) Py_XDECREF(e->cols[c]);
    }
    PyMem_Free(s->entries);
    PyMem_Free(s->table);
    PyMem_Free(s->order);
    PyMem_Free(s->pend);
    PyMem_Free(s->undo);
    PyMem_Free(s->hp);
    PyMem_Free(s->spans);
    Py_XDECREF(s->hparams);
    Py_XDECREF(o->starts);
    Py_XDECREF(o->file_version);
    Py_XDECREF(o->damage);
}

static PyObject *scan(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer view;
    PyObject *plugins, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*O!", &view, &PyDict_Type, &plugins)) return NULL;
    scan_t s;
    outs_t o;
    Py_ssize_t used, need;
    if (scan_init(&s, &o, plugins) == 0 &&
        scan_records(&s, &o, (const uint8_t *)view.buf, view.len, 0, view.len, 1, &used, &need) == RECORDS_DONE)
        result = scan_result(&s, &o);
    scan_free(&s, &o);
    PyBuffer_Release(&view);
    return result;
}

#ifdef TFSCAN_HAVE_PREAD
PyDoc_STRVAR(SCAN_FD_DOC,
"scan_fd(fd, plugins, window=262144, rest_max=2**26) -> dict or None\n\n"
"``scan`` of the file open as ``fd`` (read from byte 0 to its size when called, whatever\n"
"the descriptor's position), read ``window`` bytes at a time into one reused buffer instead\n"
"of mapping or reading it whole: the same result. Damage whose repair searches onwards (a\n"
"bad length checksum, a length past the end) is repaired after reading the rest of the\n"
"file into the buffer if that is at most ``rest_max`` bytes; if it is more, the result is\n"
"None (the plugins dict untouched): scan the whole file then.");

/* Damage whose repair searches onwards is handled in the window when the rest of the file
 * is at most this big (a crashed writer's cut-off last record), else the file is scanned whole. */
#define SCAN_FD_REST_MAX ((Py_ssize_t)1 << 26)

/* Why a window: mapping a file costs a page-table entry per 4 KB to map and unmap, and
 * reading it whole a fresh page per 4 KB; a small reused buffer costs neither and stays
 * in the CPU's cache between the copy and the scan. */
static PyObject *scan_fd(PyObject *Py_UNUSED(self), PyObject *args) {
    int fd;
    PyObject *plugins, *result = NULL;
    Py_ssize_t cap = 1 << 18, rest_max = SCAN_FD_REST_MAX;
    if (!PyArg_ParseTuple(args, "iO!|nn", &fd, &PyDict_Type, &plugins, &cap, &rest_max)) return NULL;
    if (cap < 16) cap = 16;
    struct stat sb;
    if (fstat(fd, &sb) != 0) return PyErr_SetFromErrno(PyExc_OSError);
    Py_ssize_t fsize = (Py_ssize_t)sb.st_size;
    uint8_t *buf = (uint8_t *)PyMem_Malloc((size_t)cap);
    if (!buf) return PyErr_NoMemory();
    scan_t s;
    outs_t o;
    if (scan_init(&s, &o, plugins) < 0) goto done;
    Py_ssize_t base = 0, filled = 0;
    for (;;) {
        while (filled < cap && base + filled < fsize) {
            size_t want = (size_t)(cap - filled < fsize - base - filled ? cap - filled : fsize - base - filled);
            ssize_t n;
            Py_BEGIN_ALLOW_THREADS
            n = pread(fd, buf + filled, want, (off_t)(base + filled));
            Py_END_ALLOW_THREADS
            if (n < 0) {
                if (errno == EINTR) {
                    if (PyErr_CheckSignals() < 0) goto done;
                    continue;
                }
                PyErr_SetFromErrno(PyExc_OSError);
                goto done;
            }
            if (n == 0) { fsize = base + filled; break; } /* the file shrank: its end is here */
            filled += n;
        }
        Py_ssize_t used = 0, need = 0;
        int r = scan_records(&s, &o, buf, filled, base, fsize, base + filled >= fsize, &used, &need);
        if (r < 0) goto done;
        if (r == RECORDS_DONE) break;
        memmove(buf, buf + used, (size_t)(filled - used));
        base += used;
        filled -= used;
        if (r == RECORDS_REST) { /* damage: the rest of the file is read into the window, or scanned whole */
            if (fsize - base > rest_max) { result = Py_None; Py_INCREF(result); goto done; }
            need = fsize - base;
        }
        if (need > cap) { /* a record bigger than the window (an image): grow it */
            Py_ssize_t ncap = need > 2 * cap ? need : 2 * cap;
            uint8_t *nb = (uint8_t *)PyMem_Realloc(buf, (size_t)ncap);
            if (!nb) { PyErr_NoMemory(); goto done; }
            buf = nb;
            cap = ncap;
        }
    }
    result = scan_result(&s, &o);
done:
    scan_free(&s, &o);
    PyMem_Free(buf);
    return result;
}
#endif

static PyObject *py_masked_crc(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    uint32_t c = masked_crc((const uint8_t *)view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(c);
}

static PyObject *py_crc32c(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer view;
    int software = 0;
    if (!PyArg_ParseTuple(args, "y*|p", &view, &software)) return NULL;
    uint32_t c = software ? crc_sw((const uint8_t *)view.buf, (size_t)view.len) : crc_fn((const uint8_t *)view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(c);
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, SCAN_DOC},
#ifdef TFSCAN_HAVE_PREAD
    {"scan_fd", scan_fd, METH_VARARGS, SCAN_FD_DOC},
#endif
    {"masked_crc", py_masked_crc, METH_VARARGS, "masked_crc(data) -> int: TFRecord's masked CRC32C."},
    {"crc32c", py_crc32c, METH_VARARGS, "crc32c(data, software=False) -> int: plain CRC32C (software=True forces the table)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "_tfscan", "Compiled TensorBoard event-file scanner.", -1, methods,
                                       NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__tfscan(void) {
    crc_tab_init();
    int hw = crc_hw_available() != 0;
    crc_hw_on = hw;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "HARDWARE_CRC", hw) < 0) { Py_DECREF(m); return NULL; }
    return m;
}
