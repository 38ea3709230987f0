// runtime::parse_duration (every *_INTERVAL, *_TIMEOUT, ..._RETAIN_FOR setting). The input is
// the text. Properties: a parsed duration is between 0 and kMaxDuration; it reads the same
// written in milliseconds; the text twice over is twice the duration, or refused when that is
// past kMaxDuration.

#include <chrono>
#include <cstddef>
#include <string>

#include "etp/runtime/config.hpp"
#include "fuzz_check.hpp"

using etp::fuzz::check;
using etp::runtime::kMaxDuration;
using etp::runtime::parse_duration;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    const std::string text(etp::fuzz::text_of(data, size));
    const auto parsed = parse_duration(text);
    if (!parsed) return 0;
    check(parsed->count() >= 0 && *parsed <= kMaxDuration, "duration: out of range");
    check(parse_duration(std::to_string(parsed->count()) + "ms") == parsed,
          "duration: the same in milliseconds differs");
    const auto twice = parse_duration(text + text);
    if (*parsed * 2 <= kMaxDuration)
        check(twice == *parsed * 2, "duration: the text twice over is not twice the duration");
    else
        check(!twice, "duration: twice the longest duration is accepted");
    return 0;
}
