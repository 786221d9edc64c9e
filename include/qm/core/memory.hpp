#pragma once
// qm/core/memory.hpp — result columns and their sizing.
//
// Synopsis
//   qm::Column<T>                      a std::vector whose new elements are left for the kernel to write
//   void qm::detail::size_column(std::vector<T, A>& v, std::size_t n)
//   void qm::detail::advise_huge_pages(const void* fresh, std::size_t bytes)
//   std::size_t qm::set_column_cache_limit(std::size_t bytes)   returns the previous limit
//   void qm::release_column_cache()
//   qm::ColumnCacheStats qm::column_cache_stats()
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
// Large columns (1 MiB and more) come from a column cache: a freed block is kept, up to a limit
// (64 MiB by default; set_column_cache_limit), for the next column of the same size rounded up to
// 64 KiB, and handed back without going to the system again. glibc returns blocks this large to
// the system when they are freed (munmap, or trimming the heap), so the next result of the same
// size would be faulted in and zeroed by the kernel again: for the charts that write 20-50 bytes
// a point (CUSUM's five sums, EWMA's limits, a p chart's σ_i) that was 30-40% of a call repeated
// on a series of 10^6 points. A repeated call (a dashboard's refresh, a notebook re-run, grouped
// series of the same shape) reuses the warm blocks instead. The cache is shared by all threads
// (a mutex, taken only for blocks of 1 MiB and more), keeps the blocks freed most recently when
// over its limit, and release_column_cache() gives every block back. Under AddressSanitizer it is
// off, so that a use after free of a column is still reported.
//
// After size_column, v has n elements: those a Column gained are unspecified (poisoned in the
// tests), a std::vector's new ones are zeros, a reused column's keep what it held — callers write
// every element. Elsewhere (another OS, small columns, a column that already has the capacity)
// it is exactly resize.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace qm {

/// What the column cache holds now, its limit, and its hits and misses since the program started.
struct ColumnCacheStats {
    std::size_t limit_bytes = 0;  ///< the most it keeps
    std::size_t held_bytes = 0;   ///< freed blocks kept now
    std::size_t blocks = 0;       ///< how many
    std::size_t hits = 0;         ///< large allocations served from the cache
    std::size_t misses = 0;       ///< large allocations that went to the system
};

}  // namespace qm

namespace qm::detail {

/// Freed blocks of at least `min_bytes`, kept for the next allocation of the same rounded size.
class ColumnCache {
public:
    static constexpr std::size_t min_bytes = std::size_t{1} << 20;
    static constexpr std::size_t granule = std::size_t{64} << 10;
    static constexpr std::size_t max_blocks = 64;

    /// The size a block of `bytes` is allocated with (and kept under): a multiple of 64 KiB.
    static constexpr std::size_t rounded(std::size_t bytes) noexcept { return (bytes + granule - 1) & ~(granule - 1); }

    static ColumnCache& instance() noexcept {
        static ColumnCache* cache = new ColumnCache;  // never destroyed: columns may be freed at exit
        return *cache;
    }

    /// A kept block of exactly `bytes` (rounded), the one freed last, or nullptr.
    void* take(std::size_t bytes) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        for (std::size_t i = count_; i-- > 0;)
            if (blocks_[i].bytes == bytes) {
                void* p = blocks_[i].p;
                std::memmove(blocks_ + i, blocks_ + i + 1, (count_ - i - 1) * sizeof(Block));
                --count_;
                held_ -= bytes;
                ++hits_;
                return p;
            }
        ++misses_;
        return nullptr;
    }

    /// Keeps `p` (a block of `bytes`, rounded), freeing the oldest kept blocks to make room; frees
    /// `p` itself when it is larger than the limit.
    void give(void* p, std::size_t bytes) noexcept {
        Evicted out;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (bytes > limit_) {
                out.add(p);
            } else {
                drop_oldest(out, limit_ - bytes, max_blocks - 1);
                blocks_[count_++] = Block{p, bytes};
                held_ += bytes;
            }
        }
        out.free_all();
    }

    /// Sets the limit (0: keep nothing), frees what no longer fits, returns the previous limit.
    std::size_t set_limit(std::size_t bytes) noexcept {
        Evicted out;
        std::size_t previous;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            previous = limit_;
            limit_ = bytes;
            drop_oldest(out, limit_, max_blocks);
        }
        out.free_all();
        return previous;
    }

    /// Frees every kept block.
    void release() noexcept {
        Evicted out;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            drop_oldest(out, 0, 0);
        }
        out.free_all();
    }

    ColumnCacheStats stats() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        return {limit_, held_, count_, hits_, misses_};
    }

private:
    struct Block {
        void* p;
        std::size_t bytes;
    };
    /// Blocks to free once the lock is let go.
    struct Evicted {
        void* p[max_blocks + 1];
        std::size_t n = 0;
        void add(void* q) noexcept { p[n++] = q; }
        void free_all() noexcept {
            for (std::size_t i = 0; i < n; ++i) ::operator delete(p[i]);
        }
    };
    ColumnCache() = default;
    /// Moves the oldest blocks to `out` until at most `bytes` and `blocks` remain.
    void drop_oldest(Evicted& out, std::size_t bytes, std::size_t blocks) noexcept {
        std::size_t drop = 0;
        while (drop < count_ && (held_ > bytes || count_ - drop > blocks)) {
            held_ -= blocks_[drop].bytes;
            out.add(blocks_[drop++].p);
        }
        std::memmove(blocks_, blocks_ + drop, (count_ - drop) * sizeof(Block));
        count_ -= drop;
    }
    std::mutex mutex_;
    Block blocks_[max_blocks];
    std::size_t count_ = 0, held_ = 0, limit_ = std::size_t{64} << 20;
    std::size_t hits_ = 0, misses_ = 0;
};

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool column_cache_enabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool column_cache_enabled = false;
#else
inline constexpr bool column_cache_enabled = true;
#endif
#else
inline constexpr bool column_cache_enabled = true;
#endif

/// std::allocator, except that construct(p) with no value default-initialises and that blocks of
/// 1 MiB and more go through the column cache (see above).
template <class T>
struct UninitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = UninitAllocator<U>;
    };
    UninitAllocator() = default;
    template <class U>
    constexpr UninitAllocator(const UninitAllocator<U>&) noexcept {}

    /// Whether a block of n elements goes through the column cache (see the head of this file).
    static constexpr bool cached(std::size_t n) noexcept {
        return column_cache_enabled && alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__ &&
               n <= std::size_t(-1) / 2 / sizeof(T) && n * sizeof(T) >= ColumnCache::min_bytes;
    }
    T* allocate(std::size_t n) {
        if (!cached(n))
            return std::allocator<T>::allocate(n);
        const std::size_t bytes = ColumnCache::rounded(n * sizeof(T));
        if (void* p = ColumnCache::instance().take(bytes)) return static_cast<T*>(p);
        return static_cast<T*>(::operator new(bytes));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (!cached(n)) return std::allocator<T>::deallocate(p, n);
        ColumnCache::instance().give(p, ColumnCache::rounded(n * sizeof(T)));
    }
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

/// Sets the most the column cache keeps (bytes; 0 turns it off and frees what it holds) and
/// returns the previous limit.
inline std::size_t set_column_cache_limit(std::size_t bytes) noexcept { return detail::ColumnCache::instance().set_limit(bytes); }

/// Frees every block the column cache keeps.
inline void release_column_cache() noexcept { detail::ColumnCache::instance().release(); }

/// The column cache's limit, what it holds and its hits and misses.
inline ColumnCacheStats column_cache_stats() noexcept { return detail::ColumnCache::instance().stats(); }

/// A per-point result column that its kernel writes in full (qm/core/memory.hpp).
template <class T>
using Column = std::vector<T, detail::UninitAllocator<T>>;

}  // namespace qm
