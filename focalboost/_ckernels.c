/*
 * Fused binary focal-loss gradient and Hessian (optional compiled kernel).
 *
 * One pass over the margins with one exp, one log1p and one division per
 * sample (plus one exp for a non-integer gamma), instead of the ~20 array
 * passes of the numpy expression. The maths is exactly that of
 * focalboost.losses (see docs/maths.rst): with s = 2y - 1, u = s z,
 * p = expit(u), q = 1 - p, ell = -log p,
 *   |dFL/du| = a_t q^g (q + g p ell)
 *   exact    d2FL/du2 = a_t p q^g ((2g + 1) q + g ell (g p - q))
 *   surrogate         = p |dFL/du|
 * (s and a_t are taken linear in y, as in the numpy code) and
 * dFL/dz = -s |dFL/du|, d2FL/dz2 = d2FL/du2. Policy 2 ("clipped") floors
 * the exact value. Sample weights are applied by the caller.
 *
 * Uses only the buffer protocol (no numpy headers); the GIL is released while
 * the loop runs. The pure-numpy path in focalboost.losses is the reference
 * and the fallback when this module is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static inline double int_pow(double x, long n)
{
    double r = 1.0;
    while (n > 0) {
        if (n & 1) r *= x;
        x *= x;
        n >>= 1;
    }
    return r;
}

/* Loop body shared by the integer- and real-gamma loops; QG is the
 * expression for q**gamma (log_q is only used by the real-gamma one). */
#define KERNEL_BODY(QG)                                                      \
    const double s = 2.0 * y[i] - 1.0;                                       \
    const double a_t = a0 + (a1 - a0) * y[i];                                \
    const double u = s * z[i];                                               \
    const double e = exp(-fabs(u));                                          \
    const double l1pe = log1p(e);                                            \
    const double inv = 1.0 / (1.0 + e);                                      \
    const int up = u >= 0;                                                   \
    const double p = up ? inv : e * inv;                                     \
    const double q = up ? e * inv : inv;                                     \
    const double ell = up ? l1pe : l1pe - u;                                 \
    const double log_q = up ? -u - l1pe : -l1pe;                             \
    const double qg = (QG);                                                  \
    (void)log_q;                                                             \
    const double abs_g = a_t * qg * (q + gamma * p * ell);                   \
    const double exact = a_t * p * qg *                                      \
        ((2.0 * gamma + 1.0) * q + gamma * ell * (gamma * p - q));           \
    double h = policy == 1 ? p * abs_g : exact;                              \
    h = (policy == 2 && h < floor_) ? floor_ : h;                            \
    grad[i] = -s * abs_g;                                                    \
    hess[i] = h;

static PyObject *binary_grad_hess(PyObject *self, PyObject *args)
{
    Py_buffer zb, yb, gb, hb;
    double a0, a1, gamma, floor_;
    int policy;
    if (!PyArg_ParseTuple(args, "y*y*w*w*dddid", &zb, &yb, &gb, &hb, &a0, &a1,
                          &gamma, &policy, &floor_))
        return NULL;
    Py_ssize_t n = zb.len / (Py_ssize_t)sizeof(double);
    if (yb.len != zb.len || gb.len != zb.len || hb.len != zb.len) {
        PyBuffer_Release(&zb); PyBuffer_Release(&yb);
        PyBuffer_Release(&gb); PyBuffer_Release(&hb);
        PyErr_SetString(PyExc_ValueError, "buffers must have the same length");
        return NULL;
    }
    const double *z = (const double *)zb.buf, *y = (const double *)yb.buf;
    double *grad = (double *)gb.buf, *hess = (double *)hb.buf;
    const long ig = (long)gamma;
    const int integer_gamma = ((double)ig == gamma) && ig >= 0 && ig <= 64;

    Py_BEGIN_ALLOW_THREADS
    if (integer_gamma) {
        for (Py_ssize_t i = 0; i < n; i++) {
            KERNEL_BODY(int_pow(q, ig))
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            KERNEL_BODY(exp(gamma * log_q))
        }
    }
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&zb); PyBuffer_Release(&yb);
    PyBuffer_Release(&gb); PyBuffer_Release(&hb);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"binary_grad_hess", binary_grad_hess, METH_VARARGS,
     "binary_grad_hess(z, y, grad_out, hess_out, alpha0, alpha1, gamma, "
     "policy, floor): fill grad_out/hess_out (float64 buffers)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ckernels",
                                    "Fused focal-loss kernels.", -1, methods};

PyMODINIT_FUNC PyInit__ckernels(void) { return PyModule_Create(&module); }
