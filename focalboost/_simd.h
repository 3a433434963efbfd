/*
 * Focal-loss kernels, compiled once per instruction set.
 *
 * _ckernels.c includes this file several times, each time with
 *   W    the number of lanes      SFX  a name suffix (portable, generic,
 *                                      avx2, avx512)
 *   TGT  the target attribute of that instruction set (empty for the
 *        portable and generic ones)
 *   SCALAR  defined (and W 1) for the portable path: standard C (C99), one
 *        sample at a time, what every C compiler builds (MSVC included);
 *        otherwise GCC/Clang vector extensions of W lanes
 *   SQRT_T, SQRT_F  optionally, the intrinsic vector type and square root
 * defined; this file declares the types of W lanes (VD doubles, VL int64,
 * VU64 uint64, VF floats, VU32 uint32, VU8 bytes) and undefines all of these
 * at its end. The code below is written once for both: the few operations
 * whose spelling differs (reinterpreting bits, comparison masks, type
 * conversion, square root) are the macros and helpers of the next section.
 * Every operation is lane-wise, so a sample's value does not depend on its
 * neighbours, on the chunk it is in or on where a vector starts (the tail of
 * an array is computed in a padded vector by the same code): results are
 * bit-identical whatever the split, for a given instruction set. Between
 * instruction sets they may differ in the last bits (a compiler may fuse a
 * multiply and an add where the target has FMA: the AVX2 and AVX-512 builds,
 * arm64), within the bounds below, which hold for every path.
 *
 * No libm call but sqrt, and no -ffast-math: exp and log are written here,
 * with these error bounds (double precision, round to nearest; checked
 * against numpy in tests/test_kernels.py and against the C library in
 * tests/native/simd_harness.c):
 *   vexp_neg(x), x <= 0:  Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2,
 *       exp(r) by its Taylor polynomial of degree 13 (truncation < 4e-18
 *       relative; Estrin's scheme), times 2^k built from the exponent bits (exact): within
 *       2 ulp of exp(x) for x >= -708; NaN stays NaN; below, the result is subnormal or 0
 *       with an absolute error under 2^-1073.
 *   vlog1p01(e), 0 <= e <= 1:  log1p(e) = 2 atanh(s) with s = e/(2+e), or
 *       ln2 + 2 atanh((e-1)/(e+3)) above sqrt(2)-1, so |s| <= 0.1716; the
 *       odd series to s^23 (truncation < 1e-19): within 3 ulp.
 *   vlog(x), x >= 1 normal:  x = m 2^k, m in [sqrt(1/2), sqrt(2)), the same
 *       series in s = (m-1)/(m+1): within 3 ulp (absolute, of log x).
 * The focal terms then carry the rounding of about twenty operations, far
 * inside the 1e-12 (of the terms' scale) the kernels are tested to.
 */

#ifndef FOCAL_PARAMS_DEFINED
#define FOCAL_PARAMS_DEFINED
/* What one kernel call needs besides its buffers. */
typedef struct {
    double gamma, floor_;
    long ig;           /* gamma as an integer, when integer_gamma */
    int integer_gamma; /* q^gamma by repeated squaring (0 <= gamma <= 64) */
    int half_gamma;    /* gamma = ig + 1/2: q^ig sqrt(q) (gamma <= 64.5) */
    int policy;        /* 0 exact, 1 surrogate, 2 clipped */
    const double *a0, *a1; /* class weights, one per label */
    Py_ssize_t period; /* labels per row (1: binary) */
    const double *w;   /* sample weights, one per row, or NULL */
    int z_f32, y_u8, out_f32, bits;
    Py_ssize_t n_total, row0; /* softmax: column-major z and outputs of
                               * n_total rows, the chunk from row0 (0: the
                               * chunk's own row-major buffers) */
} FocalParams;

/* The constants, exactly: an integer times a power of two (what a hex float
 * literal says, in a form every C compiler converts without rounding). */
#define SHIFTER 6755399441055744.0                              /* 0x1.8p52 */
#define TWO52 4503599627370496.0                                /* 0x1p52 */
#define INV_LN2 (3248660424278399.0 / 2251799813685248.0)       /* 0x1.71547652b82fep0 */
#define LN2_HI (2977044471.0 / 4294967296.0)                    /* 0x1.62e42fee00000p-1 */
#define LN2_LO (3691024475790907.0 / 19342813113834066795298816.0) /* 0x1.a39ef35793c76p-33 */
#define LN2 (6243314768165359.0 / 9007199254740992.0)           /* 0x1.62e42fefa39efp-1 */
#endif

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SFX)

#ifdef SCALAR
/* The portable path: one lane, standard C. A comparison gives 0 / 1, made
 * an all-ones / all-zeros mask as the vector comparisons give; bits are
 * reinterpreted through memcpy (what the vector casts do). */
#if W != 1
#error "the portable path has one lane"
#endif
typedef double FN(vd);
typedef long long FN(vl);
typedef unsigned long long FN(vu64);
typedef float FN(vf);
typedef uint32_t FN(vu32);
typedef unsigned char FN(vu8);
#define VD FN(vd)
#define VL FN(vl)
#define VU64 FN(vu64)
#define VF FN(vf)
#define VU32 FN(vu32)
#define VU8 FN(vu8)
#define SPLAT(c) ((VD)(c))
#define MASK(c) (-(VL)(c))
#define CONVERT(x, T) ((T)(x))
#define BITCAST_FN(name, From, To)                                          \
    static inline To FN(name)(From x)                                       \
    {                                                                       \
        To r;                                                               \
        memcpy(&r, &x, sizeof r);                                           \
        return r;                                                           \
    }
#else
typedef double FN(vd) __attribute__((vector_size(8 * W)));
typedef long long FN(vl) __attribute__((vector_size(8 * W)));
typedef unsigned long long FN(vu64) __attribute__((vector_size(8 * W)));
typedef float FN(vf) __attribute__((vector_size(4 * W)));
typedef unsigned int FN(vu32) __attribute__((vector_size(4 * W)));
typedef unsigned char FN(vu8) __attribute__((vector_size(W)));
#define VD FN(vd)
#define VL FN(vl)
#define VU64 FN(vu64)
#define VF FN(vf)
#define VU32 FN(vu32)
#define VU8 FN(vu8)
#define SPLAT(c) ((VD){0} + (c))
#define MASK(c) (c)
#define CONVERT(x, T) __builtin_convertvector(x, T)
#define BITCAST_FN(name, From, To)                                          \
    static inline TGT To FN(name)(From x) { return (To)x; }
#endif
BITCAST_FN(d2l, VD, VL)     /* the bits of doubles as int64 */
BITCAST_FN(l2d, VL, VD)
BITCAST_FN(d2u, VD, VU64)
BITCAST_FN(u2d, VU64, VD)
BITCAST_FN(f2u, VF, VU32)
BITCAST_FN(u2f, VU32, VF)
#undef BITCAST_FN

/* sqrt lane by lane, correctly rounded (the intrinsic where there is one) */
static inline TGT VD FN(vsqrt)(VD x)
{
#if defined(SCALAR)
    return sqrt(x);
#else
#ifdef SQRT_F
    SQRT_T v;
    memcpy(&v, &x, sizeof v);
    v = SQRT_F(v);
    memcpy(&x, &v, sizeof x);
#else
    for (int j = 0; j < W; j++) x[j] = __builtin_sqrt(x[j]);
#endif
    return x;
#endif
}

static inline TGT VD FN(sel)(VL m, VD a, VD b)
{
    return FN(l2d)((FN(d2l)(a) & m) | (FN(d2l)(b) & ~m));
}

static inline TGT VD FN(vabs)(VD x)
{
    return FN(l2d)(FN(d2l)(x) & 0x7fffffffffffffffLL);
}

static inline TGT VD FN(load)(const double *p)
{
    VD v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline TGT void FN(store)(double *p, VD v) { memcpy(p, &v, sizeof v); }

/* exp(x) for x <= 0 (-inf and anything below -746 give 0; NaN gives NaN). */
static inline TGT VD FN(vexp_neg)(VD x)
{
    VL nan = MASK(x != x);
    x = FN(sel)(MASK(x > -746.0), x, SPLAT(-746.0));
    VD t = x * INV_LN2 + SHIFTER; /* x / ln2, rounded, + 1.5 2^52 */
    VL k = FN(d2l)(t) - FN(d2l)(SPLAT(SHIFTER));
    VD kd = t - SHIFTER;
    VD r = x - kd * LN2_HI; /* Cody-Waite: ln2 in two parts */
    r = r - kd * LN2_LO;
    /* sum of r^i / i!, i <= 13, by Estrin's scheme (a short dependency chain) */
    VD r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    VD p01 = 1.0 + r, p23 = 1.0 / 2 + r * (1.0 / 6), p45 = 1.0 / 24 + r * (1.0 / 120);
    VD p67 = 1.0 / 720 + r * (1.0 / 5040), p89 = 1.0 / 40320 + r * (1.0 / 362880);
    VD pab = 1.0 / 3628800 + r * (1.0 / 39916800);
    VD pcd = 1.0 / 479001600 + r * (1.0 / 6227020800.0);
    VD p03 = p01 + r2 * p23, p47 = p45 + r2 * p67, p8b = p89 + r2 * pab;
    VD p = p03 + r4 * p47 + r8 * (p8b + r4 * pcd);
    /* 2^k = 2^k1 2^k2 with both halves normal (k >= -1076) */
    VD t1 = kd * 0.5 + SHIFTER; /* k/2 rounded: no 64-bit arithmetic shift
                                  * before AVX-512 */
    VL k1 = FN(d2l)(t1) - FN(d2l)(SPLAT(SHIFTER)), k2 = k - k1;
    VD s1 = FN(l2d)((k1 + 1023) << 52), s2 = FN(l2d)((k2 + 1023) << 52);
    return FN(sel)(nan, SPLAT(NAN), p * s1 * s2);
}

/* 2 atanh(s) / s - 2 = 2 (s^2/3 + s^4/5 + ... + s^22/23), |s| <= 0.1716 */
static inline TGT VD FN(atanh_series)(VD s2)
{
    /* c_j = 2 / (2j + 1), j = 1..11, by Estrin's scheme in x = s^2 */
    VD x2 = s2 * s2, x4 = x2 * x2, x8 = x4 * x4;
    VD q01 = 2.0 / 3 + s2 * (2.0 / 5), q23 = 2.0 / 7 + s2 * (2.0 / 9);
    VD q45 = 2.0 / 11 + s2 * (2.0 / 13), q67 = 2.0 / 15 + s2 * (2.0 / 17);
    VD q89 = 2.0 / 19 + s2 * (2.0 / 21);
    VD q03 = q01 + x2 * q23, q47 = q45 + x2 * q67, q8a = q89 + x2 * (2.0 / 23);
    VD p = q03 + x4 * q47 + x8 * q8a;
    return p * s2;
}

/* log1p(e) for 0 <= e <= 1 from s = num / den (see vlog1p01). */
static inline TGT VD FN(log1p_from_s)(VD s, VL big)
{
    VD r = (s + s) + s * FN(atanh_series)(s * s);
    return r + FN(sel)(big, SPLAT(LN2), SPLAT(0.0));
}

/* log1p(e) for 0 <= e <= 1. */
static inline TGT VD FN(vlog1p01)(VD e)
{
    VL big = MASK(e > 0.41421356237309503);
    VD num = FN(sel)(big, e - 1.0, e);
    VD den = FN(sel)(big, e + 3.0, e + 2.0);
    return FN(log1p_from_s)(num / den, big);
}

/* log(x) for normal x >= 1 (the softmax sums): x = m 2^k with m in
 * [sqrt(1/2), sqrt(2)), log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716,
 * by the same series; k ln2 in two parts (exact products). */
static inline TGT VD FN(vlog)(VD x)
{
    VU64 bits = FN(d2u)(x);
    /* the exponent field as a double, without an int64 conversion */
    VD kd = FN(u2d)((bits >> 52) | FN(d2u)(SPLAT(TWO52))) - (TWO52 + 1023.0);
    VD m = FN(u2d)((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    VL big = MASK(m > 1.4142135623730951);
    m = FN(sel)(big, m * 0.5, m);
    kd = kd + FN(sel)(big, SPLAT(1.0), SPLAT(0.0));
    VD s = (m - 1.0) / (m + 1.0);
    VD r = (s + s) + s * FN(atanh_series)(s * s);
    return kd * LN2_HI + (r + kd * LN2_LO);
}

static inline TGT VD FN(powi)(VD q, long n)
{
    VD r = SPLAT(1.0);
    while (n > 0) {
        if (n & 1) r = r * q;
        q = q * q;
        n >>= 1;
    }
    return r;
}

/* |dFL/du| and the curvature in u (policy applied) at true-class margins u. */
static inline TGT void FN(focal_core)(VD u, VD a_t, const FocalParams *P,
                                       VD *abs_g, VD *curv)
{
    const double g = P->gamma;
    VD e = FN(vexp_neg)(-FN(vabs)(u));
    /* one division for 1 / (1 + e) and log1p(e)'s num / den */
    VL big = MASK(e > 0.41421356237309503);
    VD den = FN(sel)(big, e + 3.0, e + 2.0);
    VD onep = 1.0 + e;
    VD d = 1.0 / (onep * den);
    VD inv = den * d;
    VD l1pe = FN(log1p_from_s)(FN(sel)(big, e - 1.0, e) * onep * d, big);
    VD ei = e * inv;
    VL up = MASK(u >= 0.0);
    VD p = FN(sel)(up, inv, ei);
    VD q = FN(sel)(up, ei, inv);
    VD ell = FN(sel)(up, l1pe, l1pe - u);
    VD qg;
    if (P->integer_gamma)
        qg = FN(powi)(q, P->ig);
    else if (P->half_gamma) /* gamma = n + 1/2: q^n sqrt(q) */
        qg = FN(powi)(q, P->ig) * FN(vsqrt)(q);
    else /* q^g = exp(g log q), log q = -softplus(u) <= 0 */
        qg = FN(vexp_neg)(g * FN(sel)(up, -u - l1pe, -l1pe));
    VD ag = a_t * qg * (q + g * p * ell);
    VD h;
    if (P->policy == 1) {
        h = p * ag;
    } else {
        h = a_t * p * qg * ((2.0 * g + 1.0) * q + g * ell * (g * p - q));
        if (P->policy == 2) h = FN(sel)(MASK(h < P->floor_), SPLAT(P->floor_), h);
    }
    *abs_g = ag;
    *curv = h;
}

/* m <= W elements from element i of a chunk, gathered one by one into W-lane
 * buffers (the tail padded by repeating element i): the path of the tail
 * and of per-label class weights. */
static inline TGT void FN(gather)(const FocalParams *P, const void *z,
                                   const void *y, Py_ssize_t i, int m,
                                   VD *zv, VD *yv, VD *a0v, VD *a1v, VD *wv)
{
    double zb[W], yb[W], b0[W], b1[W], wb[W];
    Py_ssize_t lab = i % P->period, row = i / P->period;
    for (int j = 0; j < W; j++) {
        const Py_ssize_t k = i + (j < m ? j : 0);
        zb[j] = P->z_f32 ? (double)((const float *)z)[k] : ((const double *)z)[k];
        yb[j] = P->y_u8 ? (double)((const unsigned char *)y)[k]
                        : ((const double *)y)[k];
        b0[j] = P->a0[lab];
        b1[j] = P->a1[lab];
        wb[j] = P->w ? P->w[row] : 1.0;
        if (j + 1 < m && ++lab == P->period) {
            lab = 0;
            row++;
        }
    }
    *zv = FN(load)(zb);
    *yv = FN(load)(yb);
    *a0v = FN(load)(b0);
    *a1v = FN(load)(b1);
    *wv = FN(load)(wb);
}

/* W contiguous elements of a binary problem (one label), loaded as vectors. */
static inline TGT void FN(load_block)(const FocalParams *P, const void *z,
                                       const void *y, Py_ssize_t i, VD *zv,
                                       VD *yv, VD *wv)
{
    if (P->z_f32) {
        VF f;
        memcpy(&f, (const float *)z + i, sizeof f);
        *zv = CONVERT(f, VD);
    } else {
        *zv = FN(load)((const double *)z + i);
    }
    if (P->y_u8) {
        VU8 b;
        memcpy(&b, (const unsigned char *)y + i, sizeof b);
        *yv = CONVERT(b, VD);
    } else {
        *yv = FN(load)((const double *)y + i);
    }
    *wv = P->w ? FN(load)(P->w + i) : SPLAT(1.0);
}

/* m <= W values to dst: a fixed-size copy (a vector store) for a full one. */
#define STORE_LANES(dst, src, m)                                            \
    ((m) == W ? memcpy((dst), &(src), sizeof(src))                          \
              : memcpy((dst), &(src), (size_t)(m) * (sizeof(src) / W)))

/* Write m <= W values at element i: float64, float32, or float32 with the
 * lowest P->bits mantissa bits rounded away (half up in magnitude) before
 * the float32 weight, as focalboost._objective.round_mantissa. */
static inline TGT void FN(emit)(const FocalParams *P, VD g, VD h, VD w,
                                 void *grad, void *hess, Py_ssize_t i, int m)
{
    if (!P->out_f32) {
        if (P->w) {
            g = g * w;
            h = h * w;
        }
        STORE_LANES((double *)grad + i, g, m);
        STORE_LANES((double *)hess + i, h, m);
        return;
    }
    VF gf, hf;
    if (P->bits) {
        const unsigned int add = 1u << (P->bits - 1), mask = ~((1u << P->bits) - 1);
        VU32 gi = FN(f2u)(CONVERT(g, VF));
        VU32 hi = FN(f2u)(CONVERT(h, VF));
        gf = FN(u2f)((gi + add) & mask);
        hf = FN(u2f)((hi + add) & mask);
        if (P->w) {
            VF wf = CONVERT(w, VF);
            gf = gf * wf;
            hf = hf * wf;
        }
    } else {
        gf = CONVERT(P->w ? g * w : g, VF);
        hf = CONVERT(P->w ? h * w : h, VF);
    }
    STORE_LANES((float *)grad + i, gf, m);
    STORE_LANES((float *)hess + i, hf, m);
}

static inline TGT void FN(binary_block)(const FocalParams *P, const void *z,
                                         const void *y, void *grad, void *hess,
                                         Py_ssize_t i, int m, VD a0, VD a1)
{
    VD zv, yv, wv;
    if (m == W && P->period == 1) {
        FN(load_block)(P, z, y, i, &zv, &yv, &wv);
    } else {
        FN(gather)(P, z, y, i, m, &zv, &yv, &a0, &a1, &wv);
    }
    /* s and a_t linear in y, as in focalboost.losses */
    VD s = 2.0 * yv - 1.0;
    VD a_t = a0 * (1.0 - yv) + a1 * yv;
    VD ag, h;
    FN(focal_core)(s * zv, a_t, P, &ag, &h);
    FN(emit)(P, -s * ag, h, wv, grad, hess, i, m);
}

/* Binary / element-wise multi-label kernel over the n elements of a chunk
 * (a chunk starts at a row). */
static TGT void FN(binary_kernel)(const FocalParams *P, const void *z,
                                   const void *y, void *grad, void *hess,
                                   Py_ssize_t n)
{
    const VD a0 = SPLAT(P->a0[0]), a1 = SPLAT(P->a1[0]);
    Py_ssize_t i = 0;
    for (; i + W <= n; i += W) FN(binary_block)(P, z, y, grad, hess, i, W, a0, a1);
    if (i < n) FN(binary_block)(P, z, y, grad, hess, i, (int)(n - i), a0, a1);
}

/* W rows (m <= W real ones) of the softmax focal loss from row r0, K
 * classes, labels t (checked by the caller), class weights P->a0 (K), row
 * weights P->w. With the true class's one-vs-rest margin
 * u = z_t - logsumexp_{k != t} z_k and the shares pi_k of the other classes:
 * grad_t = -|dFL/du|, grad_k = |dFL/du| pi_k, hess_t = c,
 * hess_k = c pi_k^2 + |dFL/du| pi_k (1 - pi_k); 1 - pi_k is formed without
 * cancellation for the largest share (as the sum of the others). */
static TGT void FN(softmax_rows)(const FocalParams *P, const FocalParams *core,
                                  Py_ssize_t K, const void *z, const long long *t,
                                  void *grad, void *hess, Py_ssize_t r0, int m,
                                  double *eb)
{
    double zt_b[W], at_b[W], w_b[W], col[W];
    long long t_b[W];
    /* entry (row, k) of a row-major (n, K) array, or of a column-major one
     * (P->n_total rows, this chunk from row P->row0: LightGBM's layout) */
#define AT(row, k) (P->n_total ? (k) * P->n_total + P->row0 + (row) : (row) * K + (k))
#define Z_AT(row, k) (P->z_f32 ? (double)((const float *)z)[AT(row, k)] \
                               : ((const double *)z)[AT(row, k)])
    for (int j = 0; j < W; j++) {
        const Py_ssize_t row = r0 + (j < m ? j : 0);
        t_b[j] = t[row];
        at_b[j] = P->a0[t_b[j]];
        w_b[j] = P->w ? P->w[row] : 1.0;
        zt_b[j] = Z_AT(row, t_b[j]);
    }
    VL tv;
    memcpy(&tv, t_b, sizeof tv);
    VD mx = SPLAT(-INFINITY);
    VL top = FN(d2l)(SPLAT(0.0)) - 1;
    for (Py_ssize_t k = 0; k < K; k++) { /* the largest other margin */
        for (int j = 0; j < W; j++) col[j] = Z_AT(r0 + (j < m ? j : 0), k);
        VD zk = FN(load)(col);
        FN(store)(eb + k * W, zk); /* gathered once: read back below */
        VL better = MASK(tv != k) & MASK(zk > mx); /* the first largest */
        mx = FN(sel)(better, zk, mx);
        top = (better & k) | (~better & top);
    }
    VD sum = SPLAT(0.0), rest = SPLAT(0.0);
    for (Py_ssize_t k = 0; k < K; k++) {
        VL other = MASK(tv != k);
        VD zk = FN(load)(eb + k * W);
        VD ek = FN(vexp_neg)(FN(sel)(other, zk - mx, SPLAT(0.0)));
        ek = FN(sel)(other, ek, SPLAT(0.0));
        FN(store)(eb + k * W, ek);
        sum = sum + ek;
        rest = rest + FN(sel)(MASK(top != k), ek, SPLAT(0.0));
    }
    VD u = FN(load)(zt_b) - (mx + FN(vlog)(sum));
    VD ag, curv;
    FN(focal_core)(u, FN(load)(at_b), core, &ag, &curv);
    const VD inv_sum = 1.0 / sum, wv = FN(load)(w_b);
    /* one row's K values are contiguous: lanes go out one by one */
    const Py_ssize_t osz = P->out_f32 ? 4 : 8;
    char gl[W * 8], hl[W * 8];
    for (Py_ssize_t k = 0; k < K; k++) {
        VD pi = FN(load)(eb + k * W) * inv_sum;
        VD omp = FN(sel)(MASK(top == k), rest * inv_sum, 1.0 - pi);
        VL is_t = MASK(tv == k);
        VD g = FN(sel)(is_t, -ag, ag * pi);
        VD h = FN(sel)(is_t, curv, curv * pi * pi + ag * pi * omp);
        if (P->policy == 2) h = FN(sel)(MASK(h < P->floor_), SPLAT(P->floor_), h);
        FN(emit)(P, g, h, wv, gl, hl, 0, W);
        for (int j = 0; j < m; j++) {
            const Py_ssize_t at = AT(r0 + j, k);
            memcpy((char *)grad + at * osz, gl + j * osz, osz);
            memcpy((char *)hess + at * osz, hl + j * osz, osz);
        }
    }
#undef Z_AT
#undef AT
}

/* Softmax kernel over n rows; returns the first row with a label outside
 * [0, K), or -1. eb: K * W doubles of scratch. */
static TGT Py_ssize_t FN(softmax_kernel)(const FocalParams *P, Py_ssize_t K,
                                          const void *z, const long long *t,
                                          void *grad, void *hess, Py_ssize_t n,
                                          double *eb)
{
    /* the clipped policy floors the entries, not the curvature in u they
     * are made of: the core runs the exact policy then */
    FocalParams core = *P;
    if (core.policy == 2) core.policy = 0;
    for (Py_ssize_t r = 0; r < n; r += W) {
        const int m = n - r < W ? (int)(n - r) : W;
        for (int j = 0; j < m; j++)
            if (t[r + j] < 0 || t[r + j] >= K) return r + j;
        FN(softmax_rows)(P, &core, K, z, t, grad, hess, r, m, eb);
    }
    return -1;
}

/* The math functions alone, for the accuracy tests: op 0 exp (x <= 0),
 * 1 log1p (0 <= x <= 1), 2 log (x >= 1). */
static TGT void FN(math_kernel)(int op, const double *x, double *out, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i += W) {
        double b[W];
        const int m = n - i < W ? (int)(n - i) : W;
        for (int j = 0; j < W; j++) b[j] = x[i + (j < m ? j : 0)];
        VD v = FN(load)(b);
        FN(store)(b, op == 0   ? FN(vexp_neg)(v)
                     : op == 1 ? FN(vlog1p01)(v)
                               : FN(vlog)(v));
        for (int j = 0; j < m; j++) out[i + j] = b[j];
    }
}

#undef VD
#undef VL
#undef VU64
#undef VF
#undef VU32
#undef VU8
#undef W
#undef SFX
#undef TGT
#undef SQRT_T
#undef SQRT_F
#undef STORE_LANES
#undef SCALAR
#undef SPLAT
#undef MASK
#undef CONVERT
