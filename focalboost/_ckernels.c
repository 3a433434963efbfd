/*
 * Fused focal-loss gradients and Hessians (optional compiled kernels):
 * binary (and multi-label, element-wise) and softmax.
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
    const double a_t = a0 * (1.0 - y[i]) + a1 * y[i];                        \
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

/* Softmax focal loss for K classes, row by row. With t the true class,
 * u = z_t - logsumexp_{k != t} z_k (the true class's one-vs-rest margin) and
 * pi_k = softmax_{k != t}(z)_k the shares of the other classes (see
 * SoftmaxFocalLoss): grad_t = -|dFL/du|, grad_k = |dFL/du| pi_k,
 * hess_t = c, hess_k = c pi_k^2 + |dFL/du| pi_k (1 - pi_k), with c the exact
 * or surrogate curvature in u; the clipped policy floors every entry.
 * 1 - pi_k is formed without cancellation for the largest share (as the sum
 * of the others). Labels outside [0, K) make the call raise ValueError. */
static PyObject *softmax_grad_hess(PyObject *self, PyObject *args)
{
    Py_buffer zb, tb, ab, gb, hb;
    double gamma, floor_;
    int policy;
    Py_ssize_t K;
    if (!PyArg_ParseTuple(args, "y*y*y*w*w*ndid", &zb, &tb, &ab, &gb, &hb, &K,
                          &gamma, &policy, &floor_))
        return NULL;
    const Py_ssize_t n = tb.len / (Py_ssize_t)sizeof(long long);
    int bad_shape = K < 2 || ab.len != K * (Py_ssize_t)sizeof(double) ||
                    zb.len != n * K * (Py_ssize_t)sizeof(double) ||
                    gb.len != zb.len || hb.len != zb.len;
    Py_ssize_t bad_label = -1;
    if (!bad_shape) {
        const double *z = (const double *)zb.buf, *alpha = (const double *)ab.buf;
        const long long *t = (const long long *)tb.buf;
        double *grad = (double *)gb.buf, *hess = (double *)hb.buf;
        const long ig = (long)gamma;
        const int integer_gamma = ((double)ig == gamma) && ig >= 0 && ig <= 64;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++) {
            const long long tt = t[i];
            if (tt < 0 || tt >= K) { bad_label = i; break; }
            const double *zr = z + i * K;
            double *gr = grad + i * K, *hr = hess + i * K;
            Py_ssize_t top = tt == 0 ? 1 : 0;
            for (Py_ssize_t k = 0; k < K; k++)
                if (k != tt && zr[k] > zr[top]) top = k;
            const double m = zr[top];
            double sum = 0.0, rest = 0.0;
            for (Py_ssize_t k = 0; k < K; k++) {
                if (k == tt) continue;
                const double ek = exp(zr[k] - m);
                gr[k] = ek;
                sum += ek;
                if (k != top) rest += ek;
            }
            const double u = zr[tt] - (m + log(sum));
            const double a_t = alpha[tt];
            const double e = exp(-fabs(u));
            const double l1pe = log1p(e);
            const double inv = 1.0 / (1.0 + e);
            const int up = u >= 0;
            const double p = up ? inv : e * inv;
            const double q = up ? e * inv : inv;
            const double ell = up ? l1pe : l1pe - u;
            const double qg = integer_gamma ? int_pow(q, ig)
                                            : exp(gamma * (up ? -u - l1pe : -l1pe));
            const double abs_g = a_t * qg * (q + gamma * p * ell);
            const double curv = policy == 1 ? p * abs_g
                : a_t * p * qg * ((2.0 * gamma + 1.0) * q + gamma * ell * (gamma * p - q));
            const double inv_sum = 1.0 / sum;
            for (Py_ssize_t k = 0; k < K; k++) {
                double h;
                if (k == tt) {
                    gr[k] = -abs_g;
                    h = curv;
                } else {
                    const double pi = gr[k] * inv_sum;
                    const double omp = k == top ? rest * inv_sum : 1.0 - pi;
                    gr[k] = abs_g * pi;
                    h = curv * pi * pi + abs_g * pi * omp;
                }
                hr[k] = (policy == 2 && h < floor_) ? floor_ : h;
            }
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&zb); PyBuffer_Release(&tb); PyBuffer_Release(&ab);
    PyBuffer_Release(&gb); PyBuffer_Release(&hb);
    if (bad_shape) {
        PyErr_SetString(PyExc_ValueError, "inconsistent buffer sizes");
        return NULL;
    }
    if (bad_label >= 0) {
        PyErr_Format(PyExc_ValueError,
                     "y_true holds a class index outside [0, %zd)", K);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"binary_grad_hess", binary_grad_hess, METH_VARARGS,
     "binary_grad_hess(z, y, grad_out, hess_out, alpha0, alpha1, gamma, "
     "policy, floor): fill grad_out/hess_out (float64 buffers)."},
    {"softmax_grad_hess", softmax_grad_hess, METH_VARARGS,
     "softmax_grad_hess(z, t, alpha, grad_out, hess_out, K, gamma, policy, "
     "floor): z, grad_out, hess_out float64 (n*K), t int64 (n), alpha (K)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ckernels",
                                    "Fused focal-loss kernels.", -1, methods};

PyMODINIT_FUNC PyInit__ckernels(void) { return PyModule_Create(&module); }
