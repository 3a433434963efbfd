/*
 * Fused focal-loss gradients and Hessians (optional compiled kernels):
 * binary (and multi-label, element-wise) and softmax.
 *
 * One pass over the margins instead of the ~20 array passes of the numpy
 * expression. The maths is exactly that of focalboost.losses (see
 * docs/maths.rst): with s = 2y - 1, u = s z, p = expit(u), q = 1 - p,
 * ell = -log p,
 *   |dFL/du| = a_t q^g (q + g p ell)
 *   exact    d2FL/du2 = a_t p q^g ((2g + 1) q + g ell (g p - q))
 *   surrogate         = p |dFL/du|
 * (s and a_t are taken linear in y, as in the numpy code) and
 * dFL/dz = -s |dFL/du|, d2FL/dz2 = d2FL/du2. Policy 2 ("clipped") floors
 * the exact value.
 *
 * One source (_simd.h) compiled once per path:
 *   portable  standard C, one sample at a time: every C compiler (MSVC,
 *             or a compiler without GCC/Clang vector extensions) builds it,
 *             and every build has it;
 *   generic   2-lane vectors (any x86-64 or arm64 CPU), with GCC or Clang;
 *   avx2, avx512  AVX2 + FMA and AVX-512F, with GCC or Clang on x86-64;
 * the widest the CPU runs chosen at run time (__builtin_cpu_supports), or the
 * one FOCALBOOST_SIMD names (focalboost._kernels picks it). Its exp and log1p are
 * written here with documented error bounds, the same for every path: no
 * libm call but sqrt, no -ffast-math, no -march, so one binary runs on every
 * CPU of its architecture. It reads float32 or
 * float64 margins and uint8 or float64 labels, applies sample weights and
 * writes float64 or float32 (optionally mantissa-rounded) values: the arrays
 * XGBoost and LightGBM take, without a copy per round.
 *
 * Softmax: the same vector code, W rows at a time (one row's K values are
 * gathered from and written to the row-major (n, K) arrays lane by lane).
 *
 * Uses only the buffer protocol (no numpy headers); the GIL is released while
 * the loops run. The pure-numpy path in focalboost.losses is the reference
 * and the fallback when this module is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/* Which paths this compiler builds. Vector paths need GCC/Clang vector
 * extensions (not MSVC, not TinyCC); FOCALBOOST_PORTABLE_ONLY switches them
 * off (for the strict-C checks of tests/test_build.py). The x86-64 test
 * reads the GCC/Clang macro and MSVC's (_M_X64 / _M_AMD64, which clang-cl
 * defines too). */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__TINYC__) && \
    !defined(FOCALBOOST_PORTABLE_ONLY)
#define FOCAL_VECTORS 1
#endif
#if defined(__x86_64__) || defined(_M_X64) || defined(_M_AMD64)
#define FOCAL_X86_64 1
#endif
#if defined(FOCALBOOST_PORTABLE_ONLY) && defined(__GNUC__) && !defined(__TINYC__)
/* the strict-C checks: in this configuration the kernel names no GCC/Clang
 * extension (macros of the system headers, defined above, may) */
#pragma GCC poison vector_size __builtin_convertvector __builtin_cpu_supports
#pragma GCC poison __builtin_cpu_init __builtin_sqrt __builtin_nan __builtin_inf
#endif

/* The kernel once per path (see _simd.h, which declares the types of W
 * lanes and undefines what is set here). The portable path: standard C. */
#define SCALAR 1
#define W 1
#define SFX portable
#define TGT
#include "_simd.h"

#ifdef FOCAL_VECTORS
/* The generic path: plain C on 2-lane vectors, SSE2 on x86-64 (always
 * there), NEON on arm64. SQRT_T / SQRT_F: the intrinsic square root of that
 * width, where there is one (otherwise a correctly rounded scalar square
 * root per lane). */
#if defined(FOCAL_X86_64) || defined(__SSE2__)
#include <immintrin.h>
#define SQRT_T __m128d
#define SQRT_F _mm_sqrt_pd
#endif
#define W 2
#define SFX generic
#define TGT
#include "_simd.h"

/* AVX2 and AVX-512, chosen at run time with __builtin_cpu_supports (GCC and
 * Clang with the GNU or Apple ABI; not clang-cl, whose runtime may lack it). */
#if defined(FOCAL_X86_64) && !defined(_MSC_VER)
#define FOCAL_X86 1
#define W 4
#define SFX avx2
#define TGT __attribute__((target("avx2,fma")))
#define SQRT_T __m256d
#define SQRT_F _mm256_sqrt_pd
#include "_simd.h"

#define W 8
#define SFX avx512
#define TGT __attribute__((target("avx512f")))
#define SQRT_T __m512d
#define SQRT_F _mm512_sqrt_pd
#include "_simd.h"
#endif
#endif

/* Paths: 0 portable, 1 generic, 2 avx2, 3 avx512; which ones this build
 * has and this CPU runs. */
#define N_PATHS 4
static int path_available(int path)
{
    if (path == 0) return 1;
#ifdef FOCAL_VECTORS
    if (path == 1) return 1;
#endif
#ifdef FOCAL_X86
    __builtin_cpu_init();
    if (path == 2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (path == 3) return __builtin_cpu_supports("avx512f");
#endif
    return 0;
}

static PyObject *simd_paths(PyObject *self, PyObject *args)
{
    static const char *names[N_PATHS] = {"portable", "generic", "avx2", "avx512"};
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    for (int p = 0; p < N_PATHS; p++) {
        if (!path_available(p)) continue;
        PyObject *name = PyUnicode_FromString(names[p]);
        if (!name || PyList_Append(out, name) < 0) {
            Py_XDECREF(name);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(name);
    }
    return out;
}

static int check_path(int path)
{
    if (path < 0 || path >= N_PATHS || !path_available(path)) {
        PyErr_Format(PyExc_ValueError, "SIMD path %d is not available here", path);
        return 0;
    }
    return 1;
}

/* q^gamma by repeated squaring for an integer gamma, times a square root
 * for a half-integer one, else by exp (see focal_core). */
static void set_gamma(FocalParams *P)
{
    P->ig = (long)P->gamma;
    const int small = P->ig >= 0 && P->ig <= 64;
    P->integer_gamma = small && (double)P->ig == P->gamma;
    P->half_gamma = small && !P->integer_gamma && (double)P->ig + 0.5 == P->gamma;
}

/* The kernel of the chosen path: FN_portable, FN_generic, FN_avx2 or
 * FN_avx512 (the path checked by check_path). */
#if defined(FOCAL_X86)
#define DISPATCH(path, fn, ...)                                             \
    ((path) == 3   ? fn##_avx512(__VA_ARGS__)                               \
     : (path) == 2 ? fn##_avx2(__VA_ARGS__)                                 \
     : (path) == 1 ? fn##_generic(__VA_ARGS__)                              \
                   : fn##_portable(__VA_ARGS__))
#elif defined(FOCAL_VECTORS)
#define DISPATCH(path, fn, ...)                                             \
    ((path) == 1 ? fn##_generic(__VA_ARGS__) : fn##_portable(__VA_ARGS__))
#else
#define DISPATCH(path, fn, ...) fn##_portable(__VA_ARGS__)
#endif

/* binary_objective(z, y, w, a0, a1, grad, hess, gamma, floor, policy, bits,
 * z_f32, y_u8, out_f32, path): element-wise focal gradient and Hessian of
 * n = len(grad) elements, rows of len(a0) labels. z float32/float64, y
 * float64 or uint8, w None or float64 per row, a0/a1 float64 per label;
 * grad/hess float64 or float32 (out_f32), weighted; bits > 0 (float32 only)
 * rounds the unweighted values first. */
static PyObject *binary_objective(PyObject *self, PyObject *args)
{
    Py_buffer zb, yb, a0b, a1b, gb, hb, wb = {0};
    PyObject *w_obj;
    FocalParams P;
    int path;
    if (!PyArg_ParseTuple(args, "y*y*Oy*y*w*w*ddiiiiii", &zb, &yb, &w_obj, &a0b,
                          &a1b, &gb, &hb, &P.gamma, &P.floor_, &P.policy, &P.bits,
                          &P.z_f32, &P.y_u8, &P.out_f32, &path))
        return NULL;
    int have_w = w_obj != Py_None, ok = 1;
    if (have_w && PyObject_GetBuffer(w_obj, &wb, PyBUF_SIMPLE) < 0) ok = 0;
    const Py_ssize_t osz = P.out_f32 ? 4 : 8;
    const Py_ssize_t n = gb.len / osz;
    P.period = a0b.len / (Py_ssize_t)sizeof(double);
    if (ok && (P.period < 1 || a1b.len != a0b.len || hb.len != gb.len ||
               zb.len != n * (P.z_f32 ? 4 : 8) || yb.len != n * (P.y_u8 ? 1 : 8) ||
               n % P.period ||
               (have_w && wb.len != (n / P.period) * (Py_ssize_t)sizeof(double)) ||
               (P.bits && !P.out_f32) || P.bits < 0 || P.bits > 20)) {
        PyErr_SetString(PyExc_ValueError, "inconsistent buffer sizes");
        ok = 0;
    }
    if (ok && !check_path(path)) ok = 0;
    if (ok) {
        P.a0 = (const double *)a0b.buf;
        P.a1 = (const double *)a1b.buf;
        P.n_total = P.row0 = 0;
        P.w = have_w ? (const double *)wb.buf : NULL;
        set_gamma(&P);
        Py_BEGIN_ALLOW_THREADS
        DISPATCH(path, binary_kernel, &P, zb.buf, yb.buf, gb.buf, hb.buf, n);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&zb); PyBuffer_Release(&yb);
    PyBuffer_Release(&a0b); PyBuffer_Release(&a1b);
    PyBuffer_Release(&gb); PyBuffer_Release(&hb);
    if (have_w && wb.obj) PyBuffer_Release(&wb);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

/* simd_math(op, x, out, path): the vector exp (op 0, x <= 0), log1p
 * (op 1, 0 <= x <= 1) or log (op 2, x >= 1) alone, float64, for the
 * accuracy tests. */
static PyObject *simd_math(PyObject *self, PyObject *args)
{
    Py_buffer xb, ob;
    int op, path;
    if (!PyArg_ParseTuple(args, "iy*w*i", &op, &xb, &ob, &path)) return NULL;
    int ok = xb.len == ob.len;
    if (!ok)
        PyErr_SetString(PyExc_ValueError, "inconsistent buffer sizes");
    if (ok && (ok = check_path(path)))
        DISPATCH(path, math_kernel, op, xb.buf, ob.buf,
                 xb.len / (Py_ssize_t)sizeof(double));
    PyBuffer_Release(&xb); PyBuffer_Release(&ob);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

/* softmax_objective(z, t, w, alpha, grad, hess, K, gamma, floor, policy,
 * bits, z_f32, out_f32, path, n_total, row0): the softmax focal gradient
 * and diagonal Hessian of n = len(t) rows of K classes (see _simd.h:
 * softmax_rows). z float32/float64 (n*K), t int64 (n), w None or float64
 * (n), alpha float64 (K); grad/hess float64 or float32 (out_f32), weighted,
 * bits as for binary_objective. n_total > 0: z, grad and hess are whole
 * column-major arrays of n_total rows and these n rows start at row0 (the
 * layout LightGBM passes and takes: no copy either way). Labels outside
 * [0, K) raise ValueError. */
static PyObject *softmax_objective(PyObject *self, PyObject *args)
{
    Py_buffer zb, tb, ab, gb, hb, wb = {0};
    PyObject *w_obj;
    FocalParams P;
    Py_ssize_t K;
    int path;
    if (!PyArg_ParseTuple(args, "y*y*Oy*w*w*nddiiiiinn", &zb, &tb, &w_obj, &ab,
                          &gb, &hb, &K, &P.gamma, &P.floor_, &P.policy, &P.bits,
                          &P.z_f32, &P.out_f32, &path, &P.n_total, &P.row0))
        return NULL;
    int have_w = w_obj != Py_None, ok = 1;
    if (have_w && PyObject_GetBuffer(w_obj, &wb, PyBUF_SIMPLE) < 0) ok = 0;
    const Py_ssize_t n = tb.len / (Py_ssize_t)sizeof(long long);
    const Py_ssize_t rows = P.n_total ? P.n_total : n;
    if (ok && (K < 2 || ab.len != K * (Py_ssize_t)sizeof(double) ||
               P.n_total < 0 || P.row0 < 0 ||
               (P.n_total ? P.row0 + n > P.n_total : P.row0 != 0) ||
               zb.len != rows * K * (P.z_f32 ? 4 : 8) ||
               gb.len != rows * K * (P.out_f32 ? 4 : 8) || hb.len != gb.len ||
               (have_w && wb.len != n * (Py_ssize_t)sizeof(double)) ||
               (P.bits && !P.out_f32) || P.bits < 0 || P.bits > 20)) {
        PyErr_SetString(PyExc_ValueError, "inconsistent buffer sizes");
        ok = 0;
    }
    if (ok && !check_path(path)) ok = 0;
    double *eb = NULL;
    if (ok && !(eb = (double *)malloc((size_t)K * 8 * sizeof(double)))) {
        PyErr_NoMemory();
        ok = 0;
    }
    Py_ssize_t bad = -1;
    if (ok) {
        P.a0 = P.a1 = (const double *)ab.buf;
        P.period = K;
        P.y_u8 = 0;
        P.w = have_w ? (const double *)wb.buf : NULL;
        set_gamma(&P);
        const long long *t = (const long long *)tb.buf;
        Py_BEGIN_ALLOW_THREADS
        bad = DISPATCH(path, softmax_kernel, &P, K, zb.buf, t, gb.buf, hb.buf, n, eb);
        Py_END_ALLOW_THREADS
    }
    free(eb);
    PyBuffer_Release(&zb); PyBuffer_Release(&tb); PyBuffer_Release(&ab);
    PyBuffer_Release(&gb); PyBuffer_Release(&hb);
    if (have_w && wb.obj) PyBuffer_Release(&wb);
    if (!ok) return NULL;
    if (bad >= 0) {
        PyErr_Format(PyExc_ValueError,
                     "y_true holds a class index outside [0, %zd)", K);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"binary_objective", binary_objective, METH_VARARGS,
     "binary_objective(z, y, w, a0, a1, grad, hess, gamma, floor, policy, "
     "bits, z_f32, y_u8, out_f32, path): fill grad/hess."},
    {"simd_math", simd_math, METH_VARARGS,
     "simd_math(op, x, out, path): vector exp (0), log1p (1) or log (2)."},
    {"simd_paths", simd_paths, METH_NOARGS,
     "simd_paths(): the vector code paths this CPU runs."},
    {"softmax_objective", softmax_objective, METH_VARARGS,
     "softmax_objective(z, t, w, alpha, grad, hess, K, gamma, floor, policy, "
     "bits, z_f32, out_f32, path, n_total, row0): fill grad/hess (n*K)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ckernels",
                                    "Fused focal-loss kernels.", -1, methods};

/* The compiler that built the module, for focalboost info. */
#define STR_(x) #x
#define STR(x) STR_(x)
#if defined(__clang__)
#define FOCAL_COMPILER "clang " __clang_version__
#elif defined(__GNUC__) && !defined(__TINYC__)
#define FOCAL_COMPILER "gcc " __VERSION__
#elif defined(_MSC_VER)
#define FOCAL_COMPILER "MSVC " STR(_MSC_VER)
#elif defined(__TINYC__)
#define FOCAL_COMPILER "tcc " STR(__TINYC__)
#else
#define FOCAL_COMPILER "unknown C compiler"
#endif

PyMODINIT_FUNC PyInit__ckernels(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddStringConstant(m, "compiler", FOCAL_COMPILER) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
