// parse_rfc3339 and format_rfc3339. The input is the text. Properties: a parsed timestamp
// formats as the canonical "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 characters), which parses back to
// the same timestamp; parsing is insensitive to the case of 'T' and 'Z'.

#include <cctype>
#include <cstddef>
#include <string>

#include "etp/domain/time.hpp"
#include "fuzz_check.hpp"

using etp::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    const std::string text(etp::fuzz::text_of(data, size));
    const auto parsed = etp::parse_rfc3339(text);
    if (!parsed) return 0;
    const std::string formatted = etp::format_rfc3339(*parsed);
    check(formatted.size() == 27, "rfc3339: the formatted timestamp is not canonical");
    const auto again = etp::parse_rfc3339(formatted);
    check(again.has_value(), "rfc3339: a formatted timestamp does not parse");
    check(*again == *parsed, "rfc3339: format and parse do not round trip");
    check(etp::format_rfc3339(*again) == formatted, "rfc3339: formatting twice differs");
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    check(etp::parse_rfc3339(lower) == parsed, "rfc3339: the case of T or Z changes the result");
    return 0;
}
