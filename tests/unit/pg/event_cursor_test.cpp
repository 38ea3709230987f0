#include <catch2/catch.hpp>

#include <string>

#include "etp/domain/time.hpp"
#include "etp/pg/event_store.hpp"

using etp::pg::EventCursor;

namespace {
const std::string kId = "0190f5d2-8a3b-7c4d-9e5f-0a1b2c3d4e5f";
}

TEST_CASE("event cursors round-trip", "[event_cursor]") {
    auto cursor = EventCursor::decode("1767225600000000_" + kId);
    REQUIRE(cursor);
    CHECK(etp::format_rfc3339(cursor->at) == "2026-01-01T00:00:00.000000Z");
    CHECK(cursor->encode() == "1767225600000000_" + kId);
}

// Issue 22: microseconds near INT64_MAX decoded, and turning them into the RFC 3339 text the
// query binds overflowed (UBSan aborts on it): the gateway must answer 400 naming `cursor`.
TEST_CASE("event cursors past the year 9999 are refused", "[event_cursor]") {
    auto last = EventCursor::decode("253402300799999999_" + kId);
    REQUIRE(last);
    CHECK(etp::format_rfc3339(last->at) == "9999-12-31T23:59:59.999999Z");
    for (const char* micros : {"253402300800000000", "9223372036854775807", "9223372036854775000",
                               "9223372036854775808", "-1"}) {
        INFO(micros);
        CHECK_FALSE(EventCursor::decode(std::string(micros) + "_" + kId));
    }
}
