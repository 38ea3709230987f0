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

TEST_CASE("PostgreSQL's ISO output is read with its offset") {
    CHECK(format_rfc3339(*parse_rfc3339("2026-11-23 03:14:00+00")) ==
          "2026-11-23T03:14:00.000000Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-11-23 08:44:00.000001+05:30")) ==
          "2026-11-23T03:14:00.000001Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-11-23 00:14:00.25-0300")) ==
          "2026-11-23T03:14:00.250000Z");
}

TEST_CASE("calendar dates are checked, leap days included") {
    CHECK(format_rfc3339(*parse_rfc3339("2028-02-29T12:00:00Z")) == "2028-02-29T12:00:00.000000Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-01-01T00:30:00+01:00")) ==
          "2025-12-31T23:30:00.000000Z");
    for (const char* bad :
         {"2026-02-29T12:00:00Z", "2026-04-31T00:00:00Z", "2026-00-10T00:00:00Z",
          "2026-01-31T09:60:00Z", "2026-01-31T09:00:60Z", "2026-01-31T09:00:00+24",
          "2026-01-31T09:00:00+01:0", "2026-01-31T09:00:00.1234567890Z", "2026-01-31T09:00:00 Z",
          "+2026-01-31T09:00:00Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_rfc3339(bad));
    }
}

// Found by tests/fuzz (rfc3339): an offset moved these into year 10000 or -1, which
// format_rfc3339 wrote as "10000-01-01T10:59:26.000000Z", text that does not parse back.
TEST_CASE("timestamps whose UTC year is outside 0000-9999 are refused") {
    for (const char* bad : {"9999-12-31T23:59:26-11", "9999-12-31T23:00:00-01:00",
                            "0000-01-01T00:30:00+01:00", "0000-01-01T00:00:00.000001+00:01"}) {
        INFO(bad);
        CHECK_FALSE(parse_rfc3339(bad));
    }
    CHECK(format_rfc3339(*parse_rfc3339("9999-12-31T23:59:59.999999Z")) ==
          "9999-12-31T23:59:59.999999Z");
    CHECK(format_rfc3339(*parse_rfc3339("9999-12-31T23:00:00+01:00")) ==
          "9999-12-31T22:00:00.000000Z");
    CHECK(format_rfc3339(*parse_rfc3339("0000-01-01T00:00:00Z")) == "0000-01-01T00:00:00.000000Z");
    CHECK(format_rfc3339(*parse_rfc3339("0000-01-01T00:30:00-01:00")) ==
          "0000-01-01T01:30:00.000000Z");
}
