#include "etp/domain/firing.hpp"

#include <catch2/catch.hpp>

using etp::TriggerId;
using nlohmann::json;

namespace {

const TriggerId kT1 = *TriggerId::parse("0192f0a0-0000-7000-8000-000000000001");
const TriggerId kT2 = *TriggerId::parse("0192f0a0-0000-7000-8000-000000000002");

etp::Timestamp ts(const char* text) { return *etp::parse_rfc3339(text); }

etp::ChangeOrigin change(std::string system_id, std::uint64_t lsn, std::size_t position) {
    return {std::move(system_id), "monitors", lsn, position};
}

etp::SnapshotRowOrigin row(std::int64_t snapshot_id, std::string key) {
    return {"sys", "db", "public.monitors", snapshot_id, std::move(key)};
}

}  // namespace

TEST_CASE("slot event ids are stable and distinct per slot and trigger") {
    const auto a = etp::TriggerId::parse("0190a7c2-5d1e-7b3a-8c4d-2e6f8a9b0c1d");
    const auto b = etp::TriggerId::parse("0190a7c2-5d1e-7b3a-8c4d-2e6f8a9b0c1e");
    REQUIRE(a);
    REQUIRE(b);
    const etp::Timestamp slot = ts("2026-05-01T10:00:00Z");
    const etp::EventId id = etp::firing_event_id(*a, slot);
    CHECK(id == etp::firing_event_id(*a, slot));
    CHECK(id != etp::firing_event_id(*a, slot + std::chrono::microseconds(1)));
    CHECK(id != etp::firing_event_id(*a, slot + std::chrono::seconds(60)));
    CHECK(id != etp::firing_event_id(*b, slot));
    CHECK(id.to_string()[14] == '5');  // uuid version 5
    // Pinned: the namespace and the name format never change, or old slots would fire again.
    // Same as Python: uuid.uuid5(UUID("8c3e5a0f-6d2b-4e71-9a04-1fd27b66e893"), "<id>@<slot>").
    CHECK(id.to_string() == "f64d11d9-bd50-5fea-a825-ab0b592cef62");
}

TEST_CASE("change event ids are stable for a change and differ by position and trigger") {
    const auto a = etp::cdc_event_id(change("7301", 0x1000, 0), kT1);
    CHECK(a == etp::cdc_event_id(change("7301", 0x1000, 0), kT1));
    CHECK(a != etp::cdc_event_id(change("7301", 0x1000, 1), kT1));
    CHECK(a != etp::cdc_event_id(change("7301", 0x1000, 0), kT2));
    CHECK(a != etp::cdc_event_id(change("7301", 0x2000, 0), kT1));
    CHECK(a != etp::cdc_event_id(change("7302", 0x1000, 0), kT1));
    // Pinned: replays and the event log's dedup depend on these ids never changing. Same as
    // Python: uuid.uuid5(UUID("5b2d7c1e-93a4-4f0b-8e61-2c4d9a7f3e10"),
    // "<system id>/<db>/<commit lsn as 16/B374D848>/<position>/<trigger id>").
    CHECK(a.to_string() == "459ae56f-40df-53ad-8509-3513fecc1e38");
    CHECK(etp::cdc_event_id(change("7301", 0x16B374D848, 12), kT1).to_string() ==
          "1944016f-e454-56cd-9419-e1bb3f073d69");
}

TEST_CASE("snapshot event ids are stable for a row and differ by row, snapshot and trigger") {
    const std::string key = R"({"table":"public.monitors","key":{"id":7}})";
    const auto id = etp::snapshot_event_id(row(3, key), kT1);
    CHECK(id == etp::snapshot_event_id(row(3, key), kT1));
    CHECK(id != etp::snapshot_event_id(row(4, key), kT1));
    CHECK(id != etp::snapshot_event_id(row(3, key), kT2));
    CHECK(id !=
          etp::snapshot_event_id(row(3, R"({"table":"public.monitors","key":{"id":8}})"), kT1));
    // Pinned: a repeated snapshot must give each row's firing the same id. Same as Python:
    // uuid.uuid5(UUID("0e7a41d2-6c35-4b9f-a158-33c72e904d61"),
    // "<system id>/<db>/<table>/<snapshot id>/<row key>/<trigger id>").
    CHECK(id.to_string() == "18394e0a-15eb-5c83-a3bb-8af79197a072");
    CHECK(etp::snapshot_event_id(row(3, "#5"), kT1).to_string() ==
          "70fe93bd-227b-519d-af20-f710b3a742cd");
}

TEST_CASE("a request's event id is a UUID v7 carrying its firing time") {
    const etp::Timestamp at = ts("2026-05-01T10:00:00.123456Z");
    const std::string id = etp::request_event_id(at).to_string();
    CHECK(id[14] == '7');
    // 48 bits of Unix milliseconds: 1777629600123 = 0x019de2fb197b.
    CHECK(id.substr(0, 13) == "019de2fb-197b");
    CHECK(etp::request_event_id(at) != etp::request_event_id(at));
}

TEST_CASE("a scheduled firing is the slot's event in the slot's trace") {
    const etp::Timestamp slot = ts("2026-05-01T10:00:00Z");
    const etp::Event e =
        etp::scheduled_firing({kT1, "nightly", etp::TriggerType::kScheduled}, json{{"k", 1}}, slot);
    CHECK(e.id == etp::firing_event_id(kT1, slot));
    REQUIRE(e.trace);
    CHECK(*e.trace == etp::trace_for_event(e.id));
    CHECK(etp::firing_to_json(e) == json::parse(R"({
        "event_id": ")" + e.id.to_string() + R"(",
        "trigger": {"id": "0192f0a0-0000-7000-8000-000000000001", "name": "nightly",
                    "type": "scheduled"},
        "source": "schedule", "is_test": false, "payload": {"k": 1},
        "triggered_at": "2026-05-01T10:00:00.000000Z",
        "scheduled_for": "2026-05-01T10:00:00.000000Z"})"));
}

TEST_CASE("a change's firing carries its commit time and a trace derived from its id") {
    const etp::Timestamp commit = ts("2026-05-01T10:00:01.5Z");
    const etp::Event e = etp::change_firing({kT1, "watch", etp::TriggerType::kCdc},
                                            json{{"op", "c"}}, change("7301", 0x1000, 0), commit);
    CHECK(e.id.to_string() == "459ae56f-40df-53ad-8509-3513fecc1e38");
    CHECK(e.triggered_at == commit);
    CHECK_FALSE(e.scheduled_for);
    CHECK(e.source == "cdc");
    CHECK_FALSE(e.is_test);
    CHECK(e.trigger_type == etp::TriggerType::kCdc);
    CHECK(e.trigger_name == "watch");
    CHECK(e.payload == json{{"op", "c"}});
    REQUIRE(e.trace);
    CHECK(*e.trace == etp::trace_for_event(e.id));
}

TEST_CASE("a snapshot row's firing carries the snapshot's start and no trace of its own") {
    const etp::Timestamp started = ts("2026-05-01T09:00:00Z");
    const etp::Event e = etp::snapshot_firing({kT1, "watch", etp::TriggerType::kCdc},
                                              json{{"op", "r"}}, row(3, "#5"), started);
    CHECK(e.id.to_string() == "70fe93bd-227b-519d-af20-f710b3a742cd");
    CHECK(e.triggered_at == started);
    CHECK(e.source == "cdc");
    CHECK_FALSE(e.trace);
}

TEST_CASE("a requested firing is in the request's trace; a test firing says so") {
    const etp::Timestamp now = ts("2026-05-01T10:00:00.123456Z");
    const etp::TraceContext trace = etp::new_trace();
    const etp::Event fired = etp::request_firing({kT1, "order", etp::TriggerType::kApi}, "api",
                                                 json{{"n", 1}}, trace, now);
    CHECK(fired.id.to_string().substr(0, 13) == "019de2fb-197b");
    CHECK(fired.triggered_at == now);
    CHECK(fired.source == "api");
    CHECK_FALSE(fired.is_test);
    REQUIRE(fired.trace);
    CHECK(*fired.trace == trace);
    const etp::Event tested = etp::request_firing({kT1, "order", etp::TriggerType::kScheduled},
                                                  "test", json::object(), trace, now);
    CHECK(tested.is_test);
    CHECK(tested.trigger_type == etp::TriggerType::kScheduled);
    CHECK_FALSE(tested.scheduled_for);
}
