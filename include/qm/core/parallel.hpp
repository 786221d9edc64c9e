#pragma once
// qm/core/parallel.hpp — grouped (long-format) work split across threads, and the phase
// layout shared by every grouped computation.
//
// Synopsis
//   struct qm::PhaseLayout { std::vector<std::size_t> begins; std::vector<std::size_t> group_phase_offsets; }
//   PhaseLayout qm::phase_layout(span<const size_t> offsets, span<const size_t> phase_starts)
//   void qm::for_each_group_chunk(span<const size_t> offsets, unsigned threads, Fn fn)  fn(g0, g1)
//
// Groups are split into contiguous chunks with about equal numbers of rows, one per thread;
// each chunk writes its own slices of preallocated outputs. Small inputs run on the calling
// thread (starting a thread costs more than ~50k points of work). An exception thrown by any
// chunk is rethrown on the calling thread after every thread has finished — the one from the
// lowest chunk, so the error a user sees does not depend on thread timing.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <span>
#include <thread>
#include <vector>

namespace qm {

/// Phase k starts at row begins[k]; the phases of group g are [group_phase_offsets[g],
/// group_phase_offsets[g + 1]). Phase starts on a group's first row are no-ops.
struct PhaseLayout {
    std::vector<std::size_t> begins;
    std::vector<std::size_t> group_phase_offsets;

    std::size_t phases() const noexcept { return begins.size(); }
    /// End row of phase p of group g.
    std::size_t end(std::size_t p, std::size_t g, std::span<const std::size_t> offsets) const noexcept {
        return p + 1 < group_phase_offsets[g + 1] ? begins[p + 1] : offsets[g + 1];
    }
};

/// Merges ascending phase start rows with the group offsets (G+1 entries).
inline PhaseLayout phase_layout(std::span<const std::size_t> offsets, std::span<const std::size_t> phase_starts) {
    PhaseLayout L;
    const std::size_t G = offsets.size() - 1;
    L.group_phase_offsets.resize(G + 1);
    L.begins.reserve(G + phase_starts.size());
    std::size_t k = 0;
    for (std::size_t g = 0; g < G; ++g) {
        L.group_phase_offsets[g] = L.begins.size();
        const std::size_t b = offsets[g], e = offsets[g + 1];
        L.begins.push_back(b);
        while (k < phase_starts.size() && phase_starts[k] < e) {
            if (phase_starts[k] > b) L.begins.push_back(phase_starts[k]);
            ++k;
        }
    }
    L.group_phase_offsets[G] = L.begins.size();
    return L;
}

/// Calls fn(g0, g1) on contiguous chunks of groups covering [0, G), in parallel.
template <class Fn>
void for_each_group_chunk(std::span<const std::size_t> offsets, unsigned threads, Fn&& fn) {
    const std::size_t G = offsets.size() - 1, n = offsets.back();
    unsigned T = threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads;
    if (n < 50'000 || G < 2) T = 1;
    T = static_cast<unsigned>(std::min<std::size_t>(T, G));
    if (T <= 1) {
        fn(std::size_t{0}, G);
        return;
    }
    std::vector<std::size_t> cut(T + 1, G);
    cut[0] = 0;
    for (unsigned t = 1; t < T; ++t) {
        const std::size_t want = n / T * t;
        cut[t] = static_cast<std::size_t>(std::upper_bound(offsets.begin(), offsets.end() - 1, want) - offsets.begin()) - 1;
        cut[t] = std::max(cut[t], cut[t - 1]);
    }
    std::vector<std::exception_ptr> errors(T);
    {
        std::vector<std::jthread> pool;
        pool.reserve(T - 1);
        for (unsigned t = 1; t < T; ++t)
            pool.emplace_back([&, t] {
                try {
                    fn(cut[t], cut[t + 1]);
                } catch (...) {
                    errors[t] = std::current_exception();
                }
            });
        try {
            fn(cut[0], cut[1]);
        } catch (...) {
            errors[0] = std::current_exception();
        }
    }
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace qm
