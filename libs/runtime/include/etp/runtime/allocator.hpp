#pragma once
// glibc malloc settings for a long-running service with many threads, applied once at the
// start of main().
//
// By default each of glibc's per-thread arenas gives memory back to the kernel as soon as more
// than 128 KiB lies free at its top (madvise), and allocations from 128 KiB up are mapped and
// unmapped one by one. A request that builds a response of tens of KiB and frees it therefore
// returns pages that the next request faults back in; each return is a TLB shoot-down across
// the cores, which a paravirtualised guest pays dearly for. Measured with `GET /events` of 100
// events (about 35 KiB a response): a third of the gateway's CPU went to madvise, its
// interrupts and the page faults after it.
//
// An arena now keeps up to kTrimThreshold free at its top, and allocations below
// kMmapThreshold come from the arenas. Memory is still returned, later and in larger steps; at
// most a few MiB per arena stays with the process after a burst. (Listing measured the same
// with 2 and with 32 MiB kept, within noise; 4 MiB lies between.)
// A GLIBC_TUNABLES variable that sets any glibc.malloc tunable wins: nothing is changed then.

#include <cstddef>
#include <string_view>

namespace etp::runtime {

inline constexpr std::size_t kTrimThreshold = std::size_t{4} << 20;  // 4 MiB
inline constexpr std::size_t kMmapThreshold = std::size_t{4} << 20;  // 4 MiB

// Whether a GLIBC_TUNABLES value (null when unset) leaves the malloc settings to us.
bool malloc_settings_are_ours(const char* glibc_tunables) noexcept;

// Applies the settings above unless GLIBC_TUNABLES sets malloc tunables; true when applied.
bool tune_allocator() noexcept;

}  // namespace etp::runtime
