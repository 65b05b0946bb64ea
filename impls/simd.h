/* A thin vector abstraction: one source (impls/direct_simd.c) written against
 * these names is compiled once per instruction set, the ISA chosen by the
 * macro the build defines for that object:
 *
 *   SIMD_AVX512   __m512,      16 floats, 32 registers   (-mavx512f -mfma)
 *   SIMD_AVX2     __m256,       8 floats, 16 registers   (-mavx2 -mfma)
 *   SIMD_NEON     float32x4_t,  4 floats, 32 registers   (AArch64 Advanced SIMD)
 *
 * vec        the vector type; VW its width in floats; SIMD_NREGS how many
 *            architectural vector registers a register tile may plan on
 * v_zero()   all zeros                    v_set1(x)    x in every lane
 * v_load(p)  aligned (VW*4-byte) load     v_loadu(p)   unaligned load
 * v_store    aligned store                v_storeu     unaligned store
 * v_bcast(p) *p in every lane (a scalar load, folded into the FMA where the ISA can)
 * v_fma(a, b, c)  a*b + c, fused
 * v_add(a, b)
 * v_transpose(r)  r[VW] rows of VW floats, transposed in place (layout changes)
 *
 * Everything is static inline: nothing here has linkage, so each ISA's object
 * carries its own copy, compiled with its own flags. */
#ifndef CONVBENCH_SIMD_H
#define CONVBENCH_SIMD_H

#define SIMD_INLINE static inline __attribute__((always_inline))

#if defined(SIMD_AVX512)
#include <immintrin.h>
typedef __m512 vec;
#define VW 16
#define SIMD_NREGS 32
SIMD_INLINE vec v_zero(void) { return _mm512_setzero_ps(); }
SIMD_INLINE vec v_set1(float x) { return _mm512_set1_ps(x); }
SIMD_INLINE vec v_load(const float *p) { return _mm512_load_ps(p); }
SIMD_INLINE vec v_loadu(const float *p) { return _mm512_loadu_ps(p); }
SIMD_INLINE void v_store(float *p, vec v) { _mm512_store_ps(p, v); }
SIMD_INLINE void v_storeu(float *p, vec v) { _mm512_storeu_ps(p, v); }
SIMD_INLINE vec v_bcast(const float *p) { return _mm512_set1_ps(*p); }
SIMD_INLINE vec v_fma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
SIMD_INLINE vec v_add(vec a, vec b) { return _mm512_add_ps(a, b); }
/* 16x16: pairs interleaved, then quads within 128-bit lanes, then lanes. */
SIMD_INLINE void v_transpose(vec r[16]) {
    vec t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* r[4i+k], lane L: column 4L+k of rows 4i..4i+3 */
    for (int i = 0; i < 4; i++) {
        r[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int k = 0; k < 4; k++) {
        vec ab_lo = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x44);
        vec ab_hi = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xEE);
        vec cd_lo = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x44);
        vec cd_hi = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xEE);
        t[k] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0x88);
        t[4 + k] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0xDD);
        t[8 + k] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0x88);
        t[12 + k] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0xDD);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

#elif defined(SIMD_AVX2)
#include <immintrin.h>
typedef __m256 vec;
#define VW 8
#define SIMD_NREGS 16
SIMD_INLINE vec v_zero(void) { return _mm256_setzero_ps(); }
SIMD_INLINE vec v_set1(float x) { return _mm256_set1_ps(x); }
SIMD_INLINE vec v_load(const float *p) { return _mm256_load_ps(p); }
SIMD_INLINE vec v_loadu(const float *p) { return _mm256_loadu_ps(p); }
SIMD_INLINE void v_store(float *p, vec v) { _mm256_store_ps(p, v); }
SIMD_INLINE void v_storeu(float *p, vec v) { _mm256_storeu_ps(p, v); }
SIMD_INLINE vec v_bcast(const float *p) { return _mm256_broadcast_ss(p); }
SIMD_INLINE vec v_fma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
SIMD_INLINE vec v_add(vec a, vec b) { return _mm256_add_ps(a, b); }
SIMD_INLINE void v_transpose(vec r[8]) {
    vec t[8], s[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        s[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        s[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        s[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        s[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2f128_ps(s[k], s[4 + k], 0x20);
        r[4 + k] = _mm256_permute2f128_ps(s[k], s[4 + k], 0x31);
    }
}

#elif defined(SIMD_NEON)
#include <arm_neon.h>
typedef float32x4_t vec;
#define VW 4
#define SIMD_NREGS 32
SIMD_INLINE vec v_zero(void) { return vdupq_n_f32(0.0f); }
SIMD_INLINE vec v_set1(float x) { return vdupq_n_f32(x); }
SIMD_INLINE vec v_load(const float *p) { return vld1q_f32(p); }
SIMD_INLINE vec v_loadu(const float *p) { return vld1q_f32(p); }
SIMD_INLINE void v_store(float *p, vec v) { vst1q_f32(p, v); }
SIMD_INLINE void v_storeu(float *p, vec v) { vst1q_f32(p, v); }
SIMD_INLINE vec v_bcast(const float *p) { return vld1q_dup_f32(p); }
SIMD_INLINE vec v_fma(vec a, vec b, vec c) { return vfmaq_f32(c, a, b); }
SIMD_INLINE vec v_add(vec a, vec b) { return vaddq_f32(a, b); }
SIMD_INLINE void v_transpose(vec r[4]) {
    float32x4x2_t a = vtrnq_f32(r[0], r[1]), b = vtrnq_f32(r[2], r[3]);
    r[0] = vcombine_f32(vget_low_f32(a.val[0]), vget_low_f32(b.val[0]));
    r[1] = vcombine_f32(vget_low_f32(a.val[1]), vget_low_f32(b.val[1]));
    r[2] = vcombine_f32(vget_high_f32(a.val[0]), vget_high_f32(b.val[0]));
    r[3] = vcombine_f32(vget_high_f32(a.val[1]), vget_high_f32(b.val[1]));
}

#else
#error "simd.h: define SIMD_AVX512, SIMD_AVX2 or SIMD_NEON"
#endif

#endif
