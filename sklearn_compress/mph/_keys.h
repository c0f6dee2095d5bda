/* Hashing one Python key (str or bytes) as its UTF-8 bytes, shared by the
 * Cython kernels. Needs the GIL (it reads Python objects). */
#ifndef SKC_KEYS_H
#define SKC_KEYS_H

#include <Python.h>
#include "_cascade.h"

/* Hash `key` into (h1, h2). Returns 0; -1 with an exception set; or -2 (no
 * exception) when `key` is neither str nor bytes, so that the caller raises the
 * library's own TypeError.
 *
 * A str is hashed as key.encode("utf-8", "surrogatepass"): an ASCII str is read
 * in place (its UTF-8 form is its own data), any other str is encoded into a
 * temporary bytes object. Lone surrogates become three bytes each, so distinct
 * strings stay distinct keys. */
static int skc_hash_object(PyObject *key, uint32_t seed, uint64_t *h1, uint64_t *h2) {
    if (PyUnicode_Check(key)) {
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(key) < 0) {
            return -1;
        }
#endif
        if (PyUnicode_IS_ASCII(key)) {
            skc_murmur3_x64_128((const unsigned char *)PyUnicode_DATA(key),
                                (uint64_t)PyUnicode_GET_LENGTH(key), seed, h1, h2);
            return 0;
        }
        PyObject *encoded = PyUnicode_AsEncodedString(key, "utf-8", "surrogatepass");
        if (encoded == NULL) {
            return -1;
        }
        skc_murmur3_x64_128((const unsigned char *)PyBytes_AS_STRING(encoded),
                            (uint64_t)PyBytes_GET_SIZE(encoded), seed, h1, h2);
        Py_DECREF(encoded);
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
