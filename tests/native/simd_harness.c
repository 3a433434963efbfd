#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
typedef ptrdiff_t Py_ssize_t;
/* -DPORTABLE: the standard-C path (what MSVC and compilers without GCC/Clang
 * vector extensions build); otherwise the 2-lane vector path */
#ifdef PORTABLE
#define SCALAR 1
#define W 1
#define SFX portable
#else
#define W 2
#define SFX generic
#endif
#define TGT
#include "_simd.h" /* compiled with -I focalboost */
#ifdef PORTABLE
#define KERNEL(name) name##_portable
#else
#define KERNEL(name) name##_generic
#endif

/*
 * One path of focalboost/_simd.h (the 2-lane vectors, or the standard-C
 * path with -DPORTABLE) on its own, without
 * Python: its exp, log1p and log against the C library's, and the binary
 * focal gradient and exact Hessian against a scalar libm evaluation of the
 * same formulas. Exits 1 when a bound is exceeded: exp, log1p, log within
 * 4 ulp of libm (the documented bound plus libm's own error); gradient within
 * 1e-12 relative, Hessian within 1e-12 of the size of its terms. Built and
 * run by tests/test_kernels.py for the host and, where a cross compiler and
 * qemu-aarch64-static are installed, for arm64.
 */
static int failed = 0;
static void check(const char *what, double value, double bound)
{
    printf("%-34s %.3g (bound %.3g)\n", what, value, bound);
    if (!(value <= bound)) failed = 1;
}

static double ulps(double a, double b) { return fabs(a - b) / (nextafter(fabs(b), INFINITY) - fabs(b)); }

int main(void)
{
    (void)KERNEL(softmax_kernel); /* tested from Python */
    enum { N = 200000 };
    static double x[N], o[N];
    double worst;
    srand(1);
    /* exp on [-708, 0] */
    for (int i = 0; i < N; i++) x[i] = -708.0 * rand() / RAND_MAX;
    KERNEL(math_kernel)(0, x, o, N);
    worst = 0; for (int i = 0; i < N; i++) { double u = ulps(o[i], exp(x[i])); if (u > worst) worst = u; }
    check("exp: max ulp", worst, 4);
    for (int i = 0; i < N; i++) x[i] = (double)rand() / RAND_MAX;
    KERNEL(math_kernel)(1, x, o, N);
    worst = 0; for (int i = 0; i < N; i++) if (x[i] > 0) { double u = ulps(o[i], log1p(x[i])); if (u > worst) worst = u; }
    check("log1p: max ulp", worst, 4);
    for (int i = 0; i < N; i++) x[i] = 1.0 + 1e3 * rand() / RAND_MAX;
    KERNEL(math_kernel)(2, x, o, N);
    worst = 0; for (int i = 0; i < N; i++) { double u = ulps(o[i], log(x[i])); if (u > worst) worst = u; }
    check("log: max ulp", worst, 4);
    /* binary kernel vs a scalar libm evaluation of the same formulas */
    static double z[N], y[N], g[N], h[N];
    for (int i = 0; i < N; i++) { z[i] = 40.0 * rand() / RAND_MAX - 20.0; y[i] = rand() % 2; }
    z[0] = 1e6; z[1] = -1e6; z[2] = 745; z[3] = -745;
    double a0 = 0.75, a1 = 0.25;
    double gammas[] = {0.0, 1.5, 2.0, 2.3};
    for (int gi = 0; gi < 4; gi++) {
        double gm = gammas[gi];
        FocalParams P = {0};
        P.gamma = gm; P.floor_ = 1e-6; P.ig = (long)gm;
        P.integer_gamma = (double)P.ig == gm; P.half_gamma = !P.integer_gamma && P.ig + 0.5 == gm;
        P.policy = 0; P.a0 = &a0; P.a1 = &a1; P.period = 1;
        KERNEL(binary_kernel)(&P, z, y, g, h, N);
        double eg = 0, eh = 0;
        for (int i = 0; i < N; i++) {
            double s = 2 * y[i] - 1, at = a0 * (1 - y[i]) + a1 * y[i], u = s * z[i];
            double e = exp(-fabs(u)), l1 = log1p(e), inv = 1 / (1 + e);
            double p = u >= 0 ? inv : e * inv, q = u >= 0 ? e * inv : inv;
            double ell = u >= 0 ? l1 : l1 - u, lq = u >= 0 ? -u - l1 : -l1;
            double qg = exp(gm * lq);
            double ag = at * qg * (q + gm * p * ell);
            double hx = at * p * qg * ((2 * gm + 1) * q + gm * ell * (gm * p - q));
            double sh = at * p * qg * ((2 * gm + 1) * q + gm * ell * (gm * p + q)) + 1e-300;
            double dg = fabs(g[i] + s * ag) / (ag + 1e-300), dh = fabs(h[i] - hx) / sh;
            if (dg > eg) eg = dg;
            if (dh > eh) eh = dh;
        }
        char name[64];
        snprintf(name, sizeof name, "gamma %.1f: gradient rel. error", gm);
        check(name, eg, 1e-12);
        snprintf(name, sizeof name, "gamma %.1f: Hessian error / scale", gm);
        check(name, eh, 1e-12);
    }
    return failed;
}
