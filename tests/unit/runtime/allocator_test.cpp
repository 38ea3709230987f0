#include <catch2/catch.hpp>

#include "etp/runtime/allocator.hpp"

using etp::runtime::malloc_settings_are_ours;

TEST_CASE("the malloc settings apply unless GLIBC_TUNABLES sets a malloc tunable") {
    CHECK(malloc_settings_are_ours(nullptr));
    CHECK(malloc_settings_are_ours(""));
    CHECK(malloc_settings_are_ours("glibc.pthread.rseq=0"));
    CHECK(malloc_settings_are_ours("glibc.cpu.hwcaps=-AVX2_Usable"));
    CHECK_FALSE(malloc_settings_are_ours("glibc.malloc.trim_threshold=1048576"));
    CHECK_FALSE(malloc_settings_are_ours("glibc.pthread.rseq=0:glibc.malloc.arena_max=2"));
}
