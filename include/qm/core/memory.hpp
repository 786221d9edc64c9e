#pragma once
// qm/core/memory.hpp — result columns and their sizing.
//
// Synopsis
//   qm::Column<T>                      a std::vector whose new elements are left for the kernel to write
//   void qm::detail::size_column(std::vector<T, A>& v, std::size_t n)
//   void qm::detail::advise_huge_pages(const void* fresh, std::size_t bytes)
//
// A result column is written once, right after it is allocated, so for large results the first
// touch of fresh memory is a large part of the cost: the kernel faults in, charges and zeroes
// every 4 KiB page (measured 2.6-4.3 ns per double on the development VM, more than computing
// most charts). Columns of 4 MiB and more ask Linux for transparent huge pages (madvise, which
// takes effect where THP is in "madvise" or "always" mode) before they are first touched: one
// fault per 2 MiB instead of 512, 2-2.5x less time for the first write.
//
// The per-point columns that a kernel writes in full (flags, point types, statistics, sums) are
// qm::Column<T>: std::vector<T> with an allocator whose value-less construct default-initialises,
// so that sizing a fresh column does not first write n zeros the kernel then overwrites (for a
// series of 10 million points, 30 MB of flags and point types: 3 ms, a tenth of an XmR chart).
// It is a std::vector in every other way (data, size, iterators, move); copy it into another
// vector type with its iterators. Built with QM_POISON_COLUMNS (the C++ tests are), each new
// element is filled with 0xA5 bytes instead, so that a test sees any element a kernel leaves
// unwritten.
//
// After size_column, v has n elements: those a Column gained are unspecified (poisoned in the
// tests), a std::vector's new ones are zeros, a reused column's keep what it held — callers write
// every element. Elsewhere (another OS, small columns, a column that already has the capacity)
// it is exactly resize.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace qm::detail {

/// std::allocator, except that construct(p) with no value default-initialises (see above).
template <class T>
struct UninitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = UninitAllocator<U>;
    };
    UninitAllocator() = default;
    template <class U>
    constexpr UninitAllocator(const UninitAllocator<U>&) noexcept {}
    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
#if defined(QM_POISON_COLUMNS)
        if constexpr (std::is_trivially_copyable_v<U>) std::memset(static_cast<void*>(p), 0xA5, sizeof(U));
#endif
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        std::construct_at(p, std::forward<Args>(args)...);
    }
};

inline constexpr std::size_t huge_page_threshold = std::size_t{4} << 20;

/// Asks for transparent huge pages for the whole 2 MiB pages inside [p, p + bytes) of memory not
/// yet touched, when bytes >= huge_page_threshold (a hint: no effect elsewhere, failure harmless).
inline void advise_huge_pages([[maybe_unused]] const void* p, [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes < huge_page_threshold) return;
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    std::uintptr_t b = reinterpret_cast<std::uintptr_t>(p);
    std::uintptr_t e = b + bytes;
    b = (b + huge - 1) & ~(huge - 1);
    e &= ~(huge - 1);
    if (e > b) (void)::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
#endif
}

template <class T, class A>
void size_column(std::vector<T, A>& v, std::size_t n) {
    if (n > v.capacity() && n * sizeof(T) >= huge_page_threshold) {
        v.clear();  // nothing to copy into the new block
        v.reserve(n);
        advise_huge_pages(v.data(), n * sizeof(T));
    }
    v.resize(n);
}

}  // namespace qm::detail

namespace qm {

/// A per-point result column that its kernel writes in full (qm/core/memory.hpp).
template <class T>
using Column = std::vector<T, detail::UninitAllocator<T>>;

}  // namespace qm
