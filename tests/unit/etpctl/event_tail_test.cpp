// tail --follow's bookkeeping: each event printed once, oldest first, whatever the polls bring.
#include "event_tail.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using etp::ctl::EventTail;
using nlohmann::json;

namespace {

json event(const std::string& id, const std::string& at) {
    return {{"id", id}, {"triggered_at", at}};
}

std::vector<std::string> ids(const std::vector<json>& events) {
    std::vector<std::string> out;
    out.reserve(events.size());
    for (const auto& e : events) out.push_back(e["id"]);
    return out;
}

etp::Timestamp at(const char* text) { return *etp::parse_rfc3339(text); }

}  // namespace

TEST_CASE("New events come out oldest first, each once", "[tail]") {
    EventTail tail(60s, at("2026-01-01T00:00:00Z"));
    // The list is newest first.
    auto first =
        tail.take_new({event("c", "2026-01-01T00:00:03Z"), event("b", "2026-01-01T00:00:02Z"),
                       event("a", "2026-01-01T00:00:02Z")});
    CHECK(ids(first) == std::vector<std::string>{"a", "b", "c"});
    // The next poll overlaps (the look-back) and brings one new event, logged late.
    auto second =
        tail.take_new({event("d", "2026-01-01T00:00:04Z"), event("c", "2026-01-01T00:00:03Z"),
                       event("late", "2026-01-01T00:00:01Z")});
    CHECK(ids(second) == std::vector<std::string>{"late", "d"});
    CHECK(tail.take_new({event("d", "2026-01-01T00:00:04Z")}).empty());
}

TEST_CASE("The next poll starts the look-back before the newest event seen", "[tail]") {
    EventTail tail(60s, at("2026-01-01T00:00:00Z"));
    CHECK(tail.since() == at("2025-12-31T23:59:00Z"));
    tail.take_new({event("a", "2026-01-01T00:10:00.5Z")});
    CHECK(tail.since() == at("2026-01-01T00:09:00.5Z"));
    // An older event does not move it back.
    tail.take_new({event("b", "2026-01-01T00:09:30Z")});
    CHECK(tail.since() == at("2026-01-01T00:09:00.5Z"));
}

TEST_CASE("Events out of the look-back are forgotten; bad ones are skipped", "[tail]") {
    EventTail tail(60s, at("2026-01-01T00:00:00Z"));
    tail.take_new({event("old", "2026-01-01T00:00:10Z"), json{{"id", "no-time"}},
                   event("bad-time", "yesterday"), json("not an object")});
    CHECK(tail.remembered() == 1);
    tail.take_new({event("new", "2026-01-01T00:05:00Z")});
    CHECK(tail.remembered() == 1);
}
