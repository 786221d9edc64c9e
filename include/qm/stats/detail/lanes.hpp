#pragma once
// qm/stats/detail/lanes.hpp — two-wide double lanes for the streaming passes of the kernels.
//
// GCC and Clang vector extensions: a 16-byte vector of two doubles maps to SSE2 on every
// x86-64, NEON on AArch64, and to wider units when the compiler targets them. Other compilers
// get the same operations on a two-element struct, which is slower but gives bit-identical
// results (every lane operation is an IEEE operation in the same order). One operation is
// target-specific: sqrt2 uses SSE2's sqrtpd where the compiler targets it, because GCC keeps
// std::sqrt scalar (it may set errno) unless the whole program is built with -fno-math-errno,
// which is not a header's to set; both are the correctly rounded IEEE square root.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
// QM_VECTOR_EXTENSIONS: 1 with GCC or Clang, unless QM_NO_VECTOR_EXTENSIONS is defined (the
// two-element struct then, as other compilers get: a test builds it so and compares every output)
#if (defined(__GNUC__) || defined(__clang__)) && !defined(QM_NO_VECTOR_EXTENSIONS)
#define QM_VECTOR_EXTENSIONS 1
#else
#define QM_VECTOR_EXTENSIONS 0
#endif
#if QM_VECTOR_EXTENSIONS && defined(__SSE2__)
#include <emmintrin.h>
// QM_SSE2_MASKS: mask16 below (SSE2's pack and movemask), else kernels gather bits portably
#define QM_SSE2_MASKS 1
#else
#define QM_SSE2_MASKS 0
#endif
// QM_AVX2_DISPATCH: on x86-64 with GCC or Clang, a few divider-bound passes also have an AVX2
// version (four lanes; the same IEEE operations per lane, so the same bits), compiled for that
// target by a function attribute and chosen at run time when the processor has AVX2 (avx2()).
// Define QM_NO_AVX2_DISPATCH to leave them out.
#if QM_VECTOR_EXTENSIONS && defined(__x86_64__) && !defined(QM_NO_AVX2_DISPATCH)
#include <immintrin.h>
#define QM_AVX2_DISPATCH 1
#define QM_TARGET_AVX2 __attribute__((target("avx2")))
#define QM_TARGET_AVX2_FMA __attribute__((target("avx2,fma")))
#else
#define QM_AVX2_DISPATCH 0
#endif

// QM_LAMBDA_ALWAYS_INLINE: after a lambda's parameter list, asks GCC and Clang to inline it (GCC 12
// leaves a small lambda called from an unrolled loop as a call per element otherwise).
#if defined(__GNUC__) || defined(__clang__)
#define QM_LAMBDA_ALWAYS_INLINE __attribute__((always_inline))
#else
#define QM_LAMBDA_ALWAYS_INLINE
#endif
// QM_NOINLINE_LAMBDA: after a lambda's parameter list, keeps a rare path (a cache miss) out of the
// loop it is called from, so that the common path around it can be inlined.
#if defined(__GNUC__) || defined(__clang__)
#define QM_NOINLINE_LAMBDA __attribute__((noinline))
#else
#define QM_NOINLINE_LAMBDA
#endif

namespace qm::stats::detail {

#if QM_AVX2_DISPATCH
/// Whether this processor (and its operating system) runs AVX2 code: asked once.
inline bool avx2() noexcept {
#if defined(__AVX2__)
    return true;
#else
    static const bool yes = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return yes;
#endif
}
/// Whether it also runs FMA3 (every AVX2 processor so far does): asked once.
inline bool avx2_fma() noexcept {
#if defined(__AVX2__) && defined(__FMA__)
    return true;
#else
    static const bool yes = avx2() && __builtin_cpu_supports("fma") != 0;
    return yes;
#endif
}
#endif

/// std::max(0.0, v) — v when v > 0, else +0.0 (NaN and −0.0 included) — as SSE2's maxsd where
/// available: GCC compiles std::max to a compare and a branch, and a branch on the sign of a CUSUM
/// sum is a coin toss for an in-control process (mispredicted, 15-20 cycles, more than the point).
inline double positive_part(double v) noexcept {
#if QM_SSE2_MASKS
    return _mm_cvtsd_f64(_mm_max_sd(_mm_set_sd(v), _mm_setzero_pd()));
#else
    return std::max(0.0, v);
#endif
}

/// Asks the cache for the line `ahead` doubles after p (a hint: no effect on results, never a
/// fault, the address may lie past the data). Streaming passes over series larger than the
/// caches call it each iteration: the hardware prefetchers stop at every 4 KiB page, and on a
/// machine without huge pages a pass over 80 MB otherwise waits on memory for most of its time.
inline void prefetch_ahead(const double* p, std::size_t ahead) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + ahead * sizeof(double)));
#else
    (void)p;
    (void)ahead;
#endif
}

#if QM_VECTOR_EXTENSIONS
typedef double v2d __attribute__((vector_size(16)));
typedef std::int64_t v2i __attribute__((vector_size(16)));

inline v2d load2(const double* p) noexcept {
    v2d v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline v2d splat2(double x) noexcept { return v2d{x, x}; }
inline v2d abs2(v2d x) noexcept {
    return reinterpret_cast<v2d>(reinterpret_cast<v2i>(x) & v2i{0x7fffffffffffffffLL, 0x7fffffffffffffffLL});
}
/// x where the mask is set, +0.0 elsewhere.
inline v2d keep2(v2i mask, v2d x) noexcept { return reinterpret_cast<v2d>(reinterpret_cast<v2i>(x) & mask); }
inline v2i is_number2(v2d x) noexcept { return x == x; }
inline v2i less2(v2d a, v2d b) noexcept { return a < b; }
inline v2d max2(v2d a, v2d b) noexcept { return a > b ? a : b; }
inline v2d min2(v2d a, v2d b) noexcept { return a < b ? a : b; }
inline double lane(v2d v, int k) noexcept { return v[k]; }
inline v2i and2(v2i a, v2i b) noexcept { return a & b; }
/// The two lanes of a comparison mask as bits 0 and 1 (SSE2's movmskpd). Where GCC compiles masks
/// combined and OR-ed into a vector across iterations to lane extractions and scalar moves (each
/// lane turned into 0 or −1 again: the row checks), OR-ing these bits into an integer is one
/// instruction more. (all2 and any2 as movemasks were tried: faster for some kernels, slower for
/// the sums' keep tests, so they stay lane tests.)
inline unsigned bits_of2(v2i m) noexcept {
#if defined(__SSE2__)
    return static_cast<unsigned>(_mm_movemask_pd(reinterpret_cast<__m128d>(m)));
#else
    return static_cast<unsigned>(m[0] != 0) | (static_cast<unsigned>(m[1] != 0) << 1);
#endif
}
/// Comparisons as masks (all ones where true; false for NaN except ne2), from SSE2's cmppd where
/// the target has it. GCC keeps `a < b` on vector extensions as a vector of booleans, and where
/// several are combined by & and | and then tested or taken as bits, it normalises each lane
/// through scalar registers (and, neg, moves) first; a mask from the intrinsic is plain bits.
#if defined(__SSE2__)
inline v2i lt2(v2d a, v2d b) noexcept { return reinterpret_cast<v2i>(_mm_cmplt_pd(a, b)); }
inline v2i le2(v2d a, v2d b) noexcept { return reinterpret_cast<v2i>(_mm_cmple_pd(a, b)); }
inline v2i eq2(v2d a, v2d b) noexcept { return reinterpret_cast<v2i>(_mm_cmpeq_pd(a, b)); }
inline v2i ne2(v2d a, v2d b) noexcept { return reinterpret_cast<v2i>(_mm_cmpneq_pd(a, b)); }
#else
inline v2i lt2(v2d a, v2d b) noexcept { return a < b; }
inline v2i le2(v2d a, v2d b) noexcept { return a <= b; }
inline v2i eq2(v2d a, v2d b) noexcept { return a == b; }
inline v2i ne2(v2d a, v2d b) noexcept { return a != b; }
#endif
/// Both lanes of a comparison mask set.
inline bool all2(v2i m) noexcept { return (m[0] & m[1]) != 0; }
/// Either lane of a comparison mask set.
inline bool any2(v2i m) noexcept { return (m[0] | m[1]) != 0; }
inline v2d make2(double a, double b) noexcept { return v2d{a, b}; }
inline v2i or2(v2i a, v2i b) noexcept { return a | b; }
/// `bit` in the lanes where the mask is set, 0 elsewhere.
inline v2i bits2(v2i mask, std::int64_t bit) noexcept { return mask & v2i{bit, bit}; }
/// The two 64-bit lanes at p (p need not be aligned).
inline void store2(void* p, v2i x) noexcept { std::memcpy(p, &x, sizeof x); }
inline void store2(double* p, v2d x) noexcept { std::memcpy(p, &x, sizeof x); }
/// a where the mask is set, b elsewhere.
inline v2d select2(v2i mask, v2d a, v2d b) noexcept { return mask ? a : b; }
/// The correctly rounded square root of each lane (errno is never set).
inline v2d sqrt2(v2d x) noexcept {
#if defined(__SSE2__)
    return reinterpret_cast<v2d>(_mm_sqrt_pd(reinterpret_cast<__m128d>(x)));
#else
    return v2d{std::sqrt(x[0]), std::sqrt(x[1])};
#endif
}
#if QM_SSE2_MASKS
/// The lanes of eight compare masks as 16 bytes (narrow16: byte 2k + j is lane j of m[k], 0xff
/// or 0; the low halves of the 64-bit lanes taken, then narrowed to 16 and 8 bits with
/// saturation, which keeps all-ones and zero masks) or 16 bits (mask16: then one movemask).
inline __m128i narrow16(const __m128d (&m)[8]) noexcept {
    auto low_halves = [&](int k) noexcept {  // lanes of m[k] and m[k + 1] as four 32-bit masks
        return _mm_castps_si128(_mm_shuffle_ps(_mm_castpd_ps(m[k]), _mm_castpd_ps(m[k + 1]), _MM_SHUFFLE(2, 0, 2, 0)));
    };
    const __m128i a = _mm_packs_epi32(low_halves(0), low_halves(2)), b = _mm_packs_epi32(low_halves(4), low_halves(6));
    return _mm_packs_epi16(a, b);
}
inline unsigned mask16(const __m128d (&m)[8]) noexcept { return static_cast<unsigned>(_mm_movemask_epi8(narrow16(m))); }
#endif
#else
struct v2d {
    double a[2];
    double operator[](int k) const noexcept { return a[k]; }
};
struct v2i {
    std::int64_t a[2];
};
inline v2d load2(const double* p) noexcept { return {{p[0], p[1]}}; }
inline v2d splat2(double x) noexcept { return {{x, x}}; }
inline v2d operator+(v2d x, v2d y) noexcept { return {{x.a[0] + y.a[0], x.a[1] + y.a[1]}}; }
inline v2d operator-(v2d x, v2d y) noexcept { return {{x.a[0] - y.a[0], x.a[1] - y.a[1]}}; }
inline v2d& operator+=(v2d& x, v2d y) noexcept { return x = x + y; }
inline v2d abs2(v2d x) noexcept { return {{x.a[0] < 0 ? -x.a[0] : x.a[0], x.a[1] < 0 ? -x.a[1] : x.a[1]}}; }
inline v2d keep2(v2i m, v2d x) noexcept { return {{m.a[0] ? x.a[0] : 0.0, m.a[1] ? x.a[1] : 0.0}}; }
inline v2i is_number2(v2d x) noexcept { return {{x.a[0] == x.a[0] ? -1 : 0, x.a[1] == x.a[1] ? -1 : 0}}; }
inline v2i less2(v2d x, v2d y) noexcept { return {{x.a[0] < y.a[0] ? -1 : 0, x.a[1] < y.a[1] ? -1 : 0}}; }
inline v2i lt2(v2d x, v2d y) noexcept { return less2(x, y); }
inline v2i le2(v2d x, v2d y) noexcept { return {{x.a[0] <= y.a[0] ? -1 : 0, x.a[1] <= y.a[1] ? -1 : 0}}; }
inline v2i eq2(v2d x, v2d y) noexcept { return {{x.a[0] == y.a[0] ? -1 : 0, x.a[1] == y.a[1] ? -1 : 0}}; }
inline v2i ne2(v2d x, v2d y) noexcept { return {{x.a[0] != y.a[0] ? -1 : 0, x.a[1] != y.a[1] ? -1 : 0}}; }
inline v2d max2(v2d x, v2d y) noexcept { return {{x.a[0] > y.a[0] ? x.a[0] : y.a[0], x.a[1] > y.a[1] ? x.a[1] : y.a[1]}}; }
inline v2d min2(v2d x, v2d y) noexcept { return {{x.a[0] < y.a[0] ? x.a[0] : y.a[0], x.a[1] < y.a[1] ? x.a[1] : y.a[1]}}; }
inline double lane(v2d v, int k) noexcept { return v.a[k]; }
inline v2i and2(v2i x, v2i y) noexcept { return {{x.a[0] & y.a[0], x.a[1] & y.a[1]}}; }
inline bool all2(v2i m) noexcept { return (m.a[0] & m.a[1]) != 0; }
inline bool any2(v2i m) noexcept { return (m.a[0] | m.a[1]) != 0; }
inline v2d make2(double a, double b) noexcept { return {{a, b}}; }
inline v2i or2(v2i x, v2i y) noexcept { return {{x.a[0] | y.a[0], x.a[1] | y.a[1]}}; }
inline v2i bits2(v2i m, std::int64_t bit) noexcept { return {{m.a[0] & bit, m.a[1] & bit}}; }
inline void store2(void* p, v2i x) noexcept { std::memcpy(p, x.a, sizeof x.a); }
inline void store2(double* p, v2d x) noexcept { std::memcpy(p, x.a, sizeof x.a); }
inline v2d operator*(v2d x, v2d y) noexcept { return {{x.a[0] * y.a[0], x.a[1] * y.a[1]}}; }
inline v2d operator/(v2d x, v2d y) noexcept { return {{x.a[0] / y.a[0], x.a[1] / y.a[1]}}; }
inline v2d select2(v2i m, v2d a, v2d b) noexcept { return {{m.a[0] ? a.a[0] : b.a[0], m.a[1] ? a.a[1] : b.a[1]}}; }
inline v2d sqrt2(v2d x) noexcept { return {{std::sqrt(x.a[0]), std::sqrt(x.a[1])}}; }
#endif

/// Double-double accumulation in two lanes (TwoSum per element).
struct DD2 {
    v2d hi = splat2(0.0), lo = splat2(0.0);
    void add(v2d x) noexcept {
        const v2d s = hi + x, bb = s - hi;
        lo += (hi - (s - bb)) + (x - bb);
        hi = s;
    }
    /// The same as add, with Fast2Sum (three operations fewer), for a caller that knows each lane
    /// of hi is at least as large in magnitude as x's: the error term is then exact too, and the
    /// bits are add's.
    void add_fast(v2d x) noexcept {
        const v2d s = hi + x;
        lo += x - (s - hi);
        hi = s;
    }
};

}  // namespace qm::stats::detail
