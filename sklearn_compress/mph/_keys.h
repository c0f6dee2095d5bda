/* Hashing one Python key (str or bytes) as its UTF-8 bytes, shared by the
 * Cython kernels. Needs the GIL (it reads Python objects). */
#ifndef SKC_KEYS_H
#define SKC_KEYS_H

#include <Python.h>
#include "_cascade.h"

/* The UTF-8 form of code points, surrogates included (three bytes each, as
 * the "surrogatepass" error handler writes them); `out` holds 4 bytes per code
 * point. Returns the number of bytes written. */
#define SKC_ENCODE_UTF8(TYPE)                                                  \
    for (Py_ssize_t i = 0; i < n; i++) {                                       \
        Py_UCS4 c = ((const TYPE *)data)[i];                                   \
        if (c < 0x80) {                                                        \
            *p++ = (unsigned char)c;                                           \
        } else if (c < 0x800) {                                                \
            *p++ = (unsigned char)(0xC0 | (c >> 6));                           \
            *p++ = (unsigned char)(0x80 | (c & 0x3F));                         \
        } else if (c < 0x10000) {                                              \
            *p++ = (unsigned char)(0xE0 | (c >> 12));                          \
            *p++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));                  \
            *p++ = (unsigned char)(0x80 | (c & 0x3F));                         \
        } else {                                                               \
            *p++ = (unsigned char)(0xF0 | (c >> 18));                          \
            *p++ = (unsigned char)(0x80 | ((c >> 12) & 0x3F));                 \
            *p++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));                  \
            *p++ = (unsigned char)(0x80 | (c & 0x3F));                         \
        }                                                                      \
    }

static uint64_t skc_encode_utf8(int kind, const void *data, Py_ssize_t n, unsigned char *out) {
    unsigned char *p = out;
    switch (kind) {
    case PyUnicode_1BYTE_KIND: SKC_ENCODE_UTF8(Py_UCS1) break;
    case PyUnicode_2BYTE_KIND: SKC_ENCODE_UTF8(Py_UCS2) break;
    default: SKC_ENCODE_UTF8(Py_UCS4) break;
    }
    return (uint64_t)(p - out);
}

/* Keys up to this many code points are encoded on the stack. */
#define SKC_STACK_CODE_POINTS 256

/* Hash `key` into (h1, h2). Returns 0; -1 with an exception set; or -2 (no
 * exception) when `key` is neither str nor bytes, so that the caller raises the
 * library's own TypeError.
 *
 * A str is hashed as key.encode("utf-8", "surrogatepass"): an ASCII str is read
 * in place (its UTF-8 form is its own data), any other str is encoded here,
 * into a stack buffer when short (10-30x faster than str.encode, which builds
 * a bytes object through the codec machinery). Lone surrogates become three
 * bytes each, so distinct strings stay distinct keys. */
static int skc_hash_object(PyObject *key, uint32_t seed, uint64_t *h1, uint64_t *h2) {
    if (PyUnicode_Check(key)) {
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(key) < 0) {
            return -1;
        }
#endif
        Py_ssize_t n = PyUnicode_GET_LENGTH(key);
        const void *data = PyUnicode_DATA(key);
        if (PyUnicode_IS_ASCII(key)) {
            skc_murmur3_x64_128((const unsigned char *)data, (uint64_t)n, seed, h1, h2);
            return 0;
        }
        unsigned char stack[4 * SKC_STACK_CODE_POINTS];
        unsigned char *buffer = stack;
        if (n > SKC_STACK_CODE_POINTS) {
            buffer = (unsigned char *)PyMem_Malloc(4 * (size_t)n);
            if (buffer == NULL) {
                PyErr_NoMemory();
                return -1;
            }
        }
        uint64_t size = skc_encode_utf8(PyUnicode_KIND(key), data, n, buffer);
        skc_murmur3_x64_128(buffer, size, seed, h1, h2);
        if (buffer != stack) {
            PyMem_Free(buffer);
        }
        return 0;
    }
    if (PyBytes_Check(key)) {
        skc_murmur3_x64_128((const unsigned char *)PyBytes_AS_STRING(key),
                            (uint64_t)PyBytes_GET_SIZE(key), seed, h1, h2);
        return 0;
    }
    return -2;
}

#endif
