#include <catch2/catch.hpp>

#include "etp/domain/time.hpp"

using etp::format_rfc3339;
using etp::parse_rfc3339;

TEST_CASE("RFC 3339 timestamps round-trip with microseconds") {
    auto t = parse_rfc3339("2026-11-22T19:57:54.123456Z");
    REQUIRE(t);
    CHECK(format_rfc3339(*t) == "2026-11-22T19:57:54.123456Z");
}

TEST_CASE("RFC 3339 offsets and fractions are normalised to UTC") {
    CHECK(format_rfc3339(*parse_rfc3339("2026-01-31T09:00:00+01:00")) ==
          "2026-01-31T08:00:00.000000Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-01-31T09:00:00.5-02:30")) ==
          "2026-01-31T11:30:00.500000Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-01-31 09:00:00.123+00")) ==
          "2026-01-31T09:00:00.123000Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-01-31T09:00:00.123456789Z")) ==
          "2026-01-31T09:00:00.123456Z");
}

TEST_CASE("malformed timestamps are refused") {
    for (const char* bad : {"", "2026-01-31", "2026-01-31T09:00:00", "2026-13-01T00:00:00Z",
                            "2026-01-31T25:00:00Z", "2026-01-31T09:00:00.Z", "yesterday",
                            "2026-01-31T09:00:00+1:00", "2026-01-31T09:00:00Zjunk"}) {
        INFO(bad);
        CHECK_FALSE(parse_rfc3339(bad));
    }
}
