#include "etp/runtime/allocator.hpp"

#include <malloc.h>

#include <cstdlib>

namespace etp::runtime {

bool malloc_settings_are_ours(const char* glibc_tunables) noexcept {
    return glibc_tunables == nullptr ||
           std::string_view(glibc_tunables).find("glibc.malloc.") == std::string_view::npos;
}

bool tune_allocator() noexcept {
    if (!malloc_settings_are_ours(std::getenv("GLIBC_TUNABLES"))) return false;
    // Setting either one also turns off glibc's own adjustment of both, which would otherwise
    // move them back with the sizes it sees freed.
    bool trim = mallopt(M_TRIM_THRESHOLD, static_cast<int>(kTrimThreshold)) == 1;
    bool mmap = mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThreshold)) == 1;
    return trim && mmap;
}

}  // namespace etp::runtime
