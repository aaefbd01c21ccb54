/* eexec encryption of Type 1 font programs (Adobe Type 1 Font Format, section 7.2), at C speed.
 *
 * docforge.render.pdf rewrites the /UniqueID that LibreOffice writes into the eexec-encrypted part
 * of every embedded Type 1 font (a per-process counter, see pdf.py), which means decrypting and
 * re-encrypting the whole font program: 20-60 kB per font, several fonts per document. In pure
 * Python that is about 300 ns a byte; here it is about 1 ns. pdf.py keeps the same functions in
 * Python and uses them when this module was not built; tests check that both give the same bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define EEXEC_C1 52845u
#define EEXEC_C2 22719u

static PyObject *
eexec_crypt(PyObject *args, int decrypting)
{
    Py_buffer in;
    unsigned int key;
    if (!PyArg_ParseTuple(args, "y*I", &in, &key))
        return NULL;
    PyObject *out = PyBytes_FromStringAndSize(NULL, in.len);
    if (out == NULL) {
        PyBuffer_Release(&in);
        return NULL;
    }
    const unsigned char *src = (const unsigned char *)in.buf;
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(out);
    unsigned int r = key & 0xFFFFu;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < in.len; i++) {
        unsigned int cipher;
        if (decrypting) {
            cipher = src[i];
            dst[i] = (unsigned char)(cipher ^ (r >> 8));
        } else {
            cipher = (src[i] ^ (r >> 8)) & 0xFFu;
            dst[i] = (unsigned char)cipher;
        }
        r = ((cipher + r) * EEXEC_C1 + EEXEC_C2) & 0xFFFFu;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&in);
    return out;
}

static PyObject *
eexec_decrypt(PyObject *self, PyObject *args)
{
    return eexec_crypt(args, 1);
}

static PyObject *
eexec_encrypt(PyObject *self, PyObject *args)
{
    return eexec_crypt(args, 0);
}

static PyMethodDef methods[] = {
    {"decrypt", eexec_decrypt, METH_VARARGS, "decrypt(data, key) -> plain bytes"},
    {"encrypt", eexec_encrypt, METH_VARARGS, "encrypt(data, key) -> cipher bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_eexec", "eexec encryption of Type 1 font programs.", -1, methods,
};

PyMODINIT_FUNC
PyInit__eexec(void)
{
    return PyModule_Create(&module);
}
