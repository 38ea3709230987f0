// Scheduled triggers through the real stack: the gateway takes the definition, one scheduler
// process fires it, the dispatcher logs it. Asserted on what users see: the events in the log
// (through the API and as rows), the firings on etp.trigger.fired, and the trigger as
// GET /api/v1/triggers/{id} shows it. The scheduler runs with its default settings.
//
// Timing bounds are the product's promises, loosely: a change takes effect within 1 s (checked
// as 1.5 s), a slot is fired on time (sent no earlier than the slot, within 1 s after it), and
// a new trigger's first firing comes at most interval + 1 s after its creation.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "etp/domain/firing.hpp"
#include "scheduler_support.hpp"

using namespace std::chrono_literals;
using etp::e2e::Api;
using etp::e2e::api;
using etp::e2e::body_of;
using etp::e2e::db;
using etp::e2e::FiredMessage;
using etp::e2e::format_micros;
using etp::e2e::kSecond;
using etp::e2e::LoggedSlot;
using etp::e2e::Micros;
using etp::e2e::now_micros;
using etp::e2e::parse_micros;
using etp::e2e::platform;
using nlohmann::json;

namespace {

etp::e2e::Service& scheduler() {
    static etp::e2e::Service service = [] {
        auto s = etp::e2e::make_service("scheduler");
        if (!s.start_and_wait())
            throw std::runtime_error("scheduler did not become ready:\n" + s.process->output());
        return s;
    }();
    return service;
}

etp::e2e::FiredLog& fired() {
    static etp::e2e::FiredLog log(etp::testing::KafkaBroker::shared().bootstrap());
    return log;
}

// The gateway, the dispatcher, one scheduler, and the reader of etp.trigger.fired.
void start_platform() {
    platform();
    scheduler();
    fired();
}

json create(const json& definition) {
    auto res = api().post("/api/v1/triggers", definition);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return json::parse(res->body);
}

json get_trigger(const std::string& id) {
    auto res = api().get("/api/v1/triggers/" + id);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    return json::parse(res->body);
}

void post_ok(const std::string& path) {
    auto res = api().post(path, json::object());
    REQUIRE(res);
    INFO(path << ": " << res->body);
    REQUIRE(res->status == 200);
}

std::string slot_list(const std::vector<LoggedSlot>& slots) {
    std::string out;
    for (const auto& s : slots) out += format_micros(s.scheduled_for) + " ";
    return out;
}

// What every firing of a scheduled trigger must look like, in the log and on Kafka: one event
// per slot, id = uuid v5 of (trigger, slot), scheduled_for = triggered_at = the slot, the static
// payload, and a message on etp.trigger.fired sent no earlier than the slot and at most 1 s
// after it that carries the same event id and scheduled_for.
void check_firings(const std::string& trigger_id, const json& payload,
                   const std::vector<LoggedSlot>& slots) {
    INFO("trigger " << trigger_id << ", slots " << slot_list(slots));
    const auto trigger = etp::TriggerId::parse(trigger_id);
    REQUIRE(trigger);
    std::set<std::string> ids;
    for (const auto& s : slots) {
        INFO("slot " << format_micros(s.scheduled_for) << ", event " << s.id);
        ids.insert(s.id);
        CHECK(s.triggered_at == s.scheduled_for);
        CHECK(s.source == "schedule");
        CHECK(s.trigger_type == "scheduled");
        CHECK(json::parse(s.payload) == payload);
        const etp::Timestamp slot{std::chrono::microseconds(s.scheduled_for)};
        CHECK(etp::firing_event_id(*trigger, slot).to_string() == s.id);
    }
    CHECK(ids.size() == slots.size());

    const auto messages = fired().wait_for(trigger_id, slots.size(), 10s);
    std::map<std::string, const FiredMessage*> by_event;
    for (const auto& m : messages) by_event[m.value["data"].value("event_id", "")] = &m;
    for (const auto& s : slots) {
        INFO("slot " << format_micros(s.scheduled_for) << ", event " << s.id);
        auto it = by_event.find(s.id);
        REQUIRE(it != by_event.end());
        const json& ce = it->second->value;
        CHECK(ce["id"] == s.id);
        CHECK(ce["type"] == "etp.trigger.fired");
        CHECK(ce["data"]["source"] == "schedule");
        CHECK(ce["data"]["trigger"]["id"] == trigger_id);
        CHECK(ce["data"]["trigger"]["type"] == "scheduled");
        CHECK(ce["data"]["payload"] == payload);
        REQUIRE(ce["data"]["scheduled_for"].is_string());
        CHECK(parse_micros(ce["data"]["scheduled_for"]) == s.scheduled_for);
        CHECK(parse_micros(ce["data"]["triggered_at"]) == s.scheduled_for);
        // The producer's timestamp has millisecond precision, truncated.
        const Micros sent = it->second->timestamp_ms * 1000;
        INFO("sent " << (sent - s.scheduled_for) / 1000 << " ms after the slot");
        CHECK(sent >= s.scheduled_for - 1000);
        CHECK(sent <= s.scheduled_for + kSecond);
    }
}

// The latest time a firing of the trigger was sent, from etp.trigger.fired; 0 without any.
Micros last_sent(const std::string& trigger_id) {
    Micros last = 0;
    for (const auto& m : fired().of(trigger_id)) last = std::max(last, m.timestamp_ms * 1000);
    return last;
}

}  // namespace

TEST_CASE("an interval trigger of 1 s fires every second on its anchor's offsets") {
    start_platform();
    const json payload = {{"kind", "interval"}, {"n", 1}};
    const json trigger = create({{"name", "sched every second"},
                                 {"type", "scheduled"},
                                 {"schedule", {{"interval_seconds", 1}}},
                                 {"payload", payload}});
    const std::string id = trigger["id"];
    const Micros created = parse_micros(trigger["created_at"]);

    auto slots = etp::e2e::wait_for_slots(db(), id, 5, 20s);
    const json shown = get_trigger(id);
    post_ok("/api/v1/triggers/" + id + "/deactivate");
    INFO("created " << format_micros(created) << ", slots " << slot_list(slots));
    REQUIRE(slots.size() >= 5);

    // Anchored at created_at: every slot a whole number of seconds after it, one second apart,
    // none missing, none twice, none before the trigger existed.
    CHECK(slots.front().scheduled_for > created);
    CHECK(slots.front().scheduled_for <= created + 2 * kSecond);
    for (std::size_t i = 0; i < slots.size(); ++i) {
        CHECK((slots[i].scheduled_for - created) % kSecond == 0);
        if (i > 0) CHECK(slots[i].scheduled_for - slots[i - 1].scheduled_for == kSecond);
    }
    check_firings(id, payload, slots);

    // Creation to first firing (sent on etp.trigger.fired): at most interval + 1 s.
    const auto messages = fired().of(id);
    REQUIRE_FALSE(messages.empty());
    Micros first_sent = INT64_MAX;
    for (const auto& m : messages) first_sent = std::min(first_sent, m.timestamp_ms * 1000);
    INFO("first firing sent " << (first_sent - created) / 1000 << " ms after creation");
    CHECK(first_sent - created <= 2 * kSecond);

    // The API shows the same events, and the trigger its last and next firing on the grid.
    json listed = body_of(api().get("/api/v1/events?page_size=500&trigger_id=" + id));
    std::map<std::string, Micros> api_slots;
    for (const auto& e : listed["items"]) {
        CHECK(e["scheduled_for"] == e["triggered_at"]);
        CHECK(e["source"] == "schedule");
        api_slots[e["id"]] = parse_micros(e["scheduled_for"]);
    }
    for (const auto& s : slots) {
        INFO("event " << s.id);
        REQUIRE(api_slots.count(s.id) == 1);
        CHECK(api_slots[s.id] == s.scheduled_for);
    }
    INFO("GET while active: " << shown.dump());
    REQUIRE(shown["last_fired_at"].is_string());
    REQUIRE(shown["next_fire_at"].is_string());
    CHECK(shown["completed_at"].is_null());
    const Micros last_fired = parse_micros(shown["last_fired_at"]);
    const Micros next_fire = parse_micros(shown["next_fire_at"]);
    CHECK((last_fired - created) % kSecond == 0);
    CHECK((next_fire - created) % kSecond == 0);
    CHECK(next_fire > last_fired);
}

TEST_CASE("a 6-field cron */2 fires on even seconds, every 2 s") {
    start_platform();
    const json payload = {{"kind", "cron"}};
    const json trigger = create({{"name", "sched cron even seconds"},
                                 {"type", "scheduled"},
                                 {"schedule", {{"cron", "*/2 * * * * *"}}},
                                 {"payload", payload}});
    const std::string id = trigger["id"];
    const Micros created = parse_micros(trigger["created_at"]);

    auto slots = etp::e2e::wait_for_slots(db(), id, 3, 20s);
    REQUIRE(api().raw().Delete(("/api/v1/triggers/" + id).c_str())->status == 204);
    INFO("created " << format_micros(created) << ", slots " << slot_list(slots));
    REQUIRE(slots.size() >= 3);
    // Planned within 1 s of creation; the next even second follows at most 2 s later.
    CHECK(slots.front().scheduled_for > created);
    CHECK(slots.front().scheduled_for <= created + 3 * kSecond);
    for (std::size_t i = 0; i < slots.size(); ++i) {
        CHECK(slots[i].scheduled_for % (2 * kSecond) == 0);  // whole, even Unix seconds
        if (i > 0) CHECK(slots[i].scheduled_for - slots[i - 1].scheduled_for == 2 * kSecond);
    }
    check_firings(id, payload, slots);
}

TEST_CASE("a one-time trigger fires once at its instant, then shows completed and inactive") {
    start_platform();
    const json payload = {{"kind", "once"}};
    // Not on a whole second: `at` keeps microseconds.
    const Micros at = now_micros() + 2 * kSecond + 123'456;
    const json trigger = create({{"name", "sched once"},
                                 {"type", "scheduled"},
                                 {"schedule", {{"at", format_micros(at)}}},
                                 {"payload", payload}});
    const std::string id = trigger["id"];
    CHECK(trigger["active"] == true);
    CHECK(trigger["completed_at"].is_null());

    auto slots = etp::e2e::wait_for_slots(db(), id, 1, 15s);
    REQUIRE(slots.size() == 1);
    CHECK(slots[0].scheduled_for == at);

    json shown;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    do {
        shown = get_trigger(id);
        if (!shown["completed_at"].is_null()) break;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    INFO(shown.dump());
    REQUIRE(shown["completed_at"].is_string());
    CHECK(parse_micros(shown["completed_at"]) >= at);
    CHECK(shown["active"] == false);
    REQUIRE(shown["last_fired_at"].is_string());
    CHECK(parse_micros(shown["last_fired_at"]) == at);
    CHECK(shown["next_fire_at"].is_null());

    // Once, and only once: nothing more is logged or sent in the next 2 s.
    std::this_thread::sleep_for(2s);
    slots = etp::e2e::logged_slots(db(), id);
    CHECK(slots.size() == 1);
    CHECK(fired().of(id).size() == 1);
    check_firings(id, payload, slots);
}

TEST_CASE("deactivate stops firing within 1.5 s; activate resumes from now, no catch-up") {
    start_platform();
    const json payload = {{"kind", "pause"}};
    // Anchored at a whole second in the past: slots are start_at + k s, and the ones before
    // the trigger existed are not fired.
    const Micros start_at = (now_micros() / kSecond - 10) * kSecond;
    const json trigger =
        create({{"name", "sched pause"},
                {"type", "scheduled"},
                {"schedule", {{"interval_seconds", 1}, {"start_at", format_micros(start_at)}}},
                {"payload", payload}});
    const std::string id = trigger["id"];
    const Micros created = parse_micros(trigger["created_at"]);
    auto before = etp::e2e::wait_for_slots(db(), id, 2, 20s);
    REQUIRE(before.size() >= 2);

    const Micros off = now_micros();
    post_ok("/api/v1/triggers/" + id + "/deactivate");
    const Micros off_done = now_micros();
    std::this_thread::sleep_for(4s);
    // Everything fired by now has been sent before the deactivation took effect.
    const auto paused = etp::e2e::logged_slots(db(), id);
    INFO("deactivated at " << format_micros(off) << ", slots " << slot_list(paused));
    CHECK(last_sent(id) <= off_done + 3 * kSecond / 2);
    for (const auto& s : paused) CHECK(s.scheduled_for <= off_done + 3 * kSecond / 2);
    CHECK(get_trigger(id)["active"] == false);

    const Micros on = now_micros();
    post_ok("/api/v1/triggers/" + id + "/activate");
    const Micros on_done = now_micros();
    auto all = etp::e2e::wait_for_slots(db(), id, paused.size() + 3, 20s);
    INFO("activated at " << format_micros(on) << ", slots " << slot_list(all));
    REQUIRE(all.size() >= paused.size() + 3);
    REQUIRE(api().raw().Delete(("/api/v1/triggers/" + id).c_str())->status == 204);

    CHECK(all.front().scheduled_for > created);
    std::vector<Micros> resumed;
    for (const auto& s : all) {
        CHECK((s.scheduled_for - start_at) % kSecond == 0);
        // The slots of the pause are not caught up.
        CHECK((s.scheduled_for <= off_done + 3 * kSecond / 2 || s.scheduled_for >= on));
        if (s.scheduled_for >= on) resumed.push_back(s.scheduled_for);
    }
    REQUIRE(resumed.size() >= 3);
    CHECK(resumed.front() <= on_done + 2 * kSecond);
    for (std::size_t i = 1; i < resumed.size(); ++i) CHECK(resumed[i] - resumed[i - 1] == kSecond);
    check_firings(id, payload, all);
}

TEST_CASE("delete stops firing within 1.5 s; the logged events stay") {
    start_platform();
    const json payload = {{"kind", "delete"}};
    const json trigger = create({{"name", "sched delete"},
                                 {"type", "scheduled"},
                                 {"schedule", {{"interval_seconds", 1}}},
                                 {"payload", payload}});
    const std::string id = trigger["id"];
    REQUIRE(etp::e2e::wait_for_slots(db(), id, 2, 20s).size() >= 2);

    REQUIRE(api().raw().Delete(("/api/v1/triggers/" + id).c_str())->status == 204);
    const Micros deleted = now_micros();
    std::this_thread::sleep_for(3s);
    const auto slots = etp::e2e::logged_slots(db(), id);
    INFO("deleted at " << format_micros(deleted) << ", slots " << slot_list(slots));
    CHECK(last_sent(id) <= deleted + 3 * kSecond / 2);
    for (const auto& s : slots) CHECK(s.scheduled_for <= deleted + 3 * kSecond / 2);
    CHECK(api().get("/api/v1/triggers/" + id)->status == 404);
    json listed = body_of(api().get("/api/v1/events?page_size=500&trigger_id=" + id));
    CHECK(listed["items"].size() == slots.size());
    check_firings(id, payload, slots);
}

TEST_CASE("the scheduler stops cleanly on SIGTERM") {
    start_platform();
    CHECK(scheduler().process->terminate(10s) == 0);
    const std::string log = scheduler().process->output();
    // Its log is JSON lines; nothing it wrote was an error.
    INFO(log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
    CHECK(log.find("\"level\":\"error\"") == std::string::npos);
}
