// The event log's lifecycle through the real stack, on a short clock (EVENT_ACTIVE_FOR=2s,
// EVENT_RETAIN_FOR=6s, RETENTION_INTERVAL=1s): events fired through the gateway and delivered
// to a webhook are listed as active, then archived (no earlier than 2 s), then gone (no earlier
// than 6 s) with their delivery rows; an event archived by hand keeps its time; the aggregate
// shows the counts moving and lifetime_total surviving the deletion (and the trigger's).
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "etp/domain/time.hpp"
#include "etp/testing/webhook_receiver.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::api;
using etp::e2e::body_of;
using etp::e2e::db;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

json events(const std::string& trigger, const std::string& status) {
    return body_of(api().get("/api/v1/events?show_test=true&status=" + status +
                             "&trigger_id=" + trigger))["items"];
}

json aggregate_row(const std::string& query, const std::string& trigger) {
    json body = body_of(api().get("/api/v1/events/aggregate" + query));
    for (const auto& row : body["items"])
        if (row["trigger_id"] == trigger) return row;
    return nullptr;
}

std::string fire(const std::string& trigger, int n) {
    auto res = api().post("/api/v1/triggers/" + trigger + "/fire", {{"n", n}});
    REQUIRE(res);
    REQUIRE(res->status == 202);
    return json::parse(res->body)["event_id"];
}

// Polls until `done` holds; false when the deadline passes first.
template <typename F>
bool eventually(F done, std::chrono::milliseconds within) {
    const auto deadline = Clock::now() + within;
    while (!done()) {
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

std::int64_t delivery_rows(const std::vector<std::string>& ids) {
    std::string list = "{";
    for (const auto& id : ids) list += (list.size() > 1 ? "," : "") + id;
    list += "}";
    return db()
        .exec(
            "SELECT (SELECT count(*) FROM deliveries WHERE event_id = ANY($1::uuid[])) +"
            " (SELECT count(*) FROM delivery_attempts WHERE event_id = ANY($1::uuid[]))",
            {list})
        .integer(0, 0);
}

double metric(int admin_port, const std::string& name) {
    httplib::Client client("127.0.0.1", admin_port);
    auto res = client.Get("/metrics");
    REQUIRE(res);
    auto at = res->body.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    return std::stod(res->body.substr(at + name.size() + 2));
}

// Retention's summaries on etp.events, as kcat reads the topic from the beginning, whose
// pass began at or after `since`.
std::vector<json> read_summaries(etp::Timestamp since) {
    auto r = etp::testing::run_command(
        "/usr/bin/kcat",
        {"-b", etp::testing::KafkaBroker::shared().bootstrap(), "-C", "-t", "etp.events", "-e",
         "-q", "-o", "beginning", "-f", "%k\t%s\n"},
        {}, std::chrono::seconds(60));
    std::vector<json> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("retention\t", 0) != 0) continue;
        auto value = json::parse(line.substr(line.find('\t') + 1), nullptr, false);
        if (!value.is_object()) continue;
        auto at = etp::parse_rfc3339(value.value("time", ""));
        if (at && *at >= since) out.push_back(std::move(value));
    }
    return out;
}

}  // namespace

TEST_CASE("events go active, archived, then away; lifetime_total stays") {
    const etp::Timestamp began = etp::now_utc();
    etp::e2e::platform();
    etp::testing::WebhookReceiver receiver;
    auto retention = etp::e2e::make_service(
        "retention",
        {{"EVENT_ACTIVE_FOR", "2s"}, {"EVENT_RETAIN_FOR", "6s"}, {"RETENTION_INTERVAL", "1s"}});
    REQUIRE(retention.start_and_wait());

    auto created = api().post(
        "/api/v1/triggers",
        {{"name", "retention e2e"}, {"type", "api"}, {"target", {{"url", receiver.url("/hook")}}}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    const std::string trigger = json::parse(created->body)["id"];

    // The dispatcher joins its consumer group on the first firing; wait for that first.
    auto warm = api().post("/api/v1/triggers", {{"name", "retention warm-up"}, {"type", "api"}});
    REQUIRE(warm);
    REQUIRE(warm->status == 201);
    const std::string warm_id = json::parse(warm->body)["id"];
    fire(warm_id, 0);
    REQUIRE(eventually(
        [&] {
            return db().exec("SELECT count(*) FROM events WHERE trigger_id = $1", {warm_id})
                           .integer(0, 0) +
                       db().exec("SELECT count(*) FROM trigger_event_totals WHERE trigger_id = $1",
                                 {warm_id})
                           .integer(0, 0) >
                   0;
        },
        60s));

    const auto fired_at = Clock::now();  // before the gateway stamps triggered_at
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(fire(trigger, i));

    // Active first.
    CHECK(eventually([&] { return events(trigger, "active").size() == 3; }, 2s));
    json row = aggregate_row("?trigger_id=" + trigger, trigger);
    REQUIRE(row.is_object());
    CHECK(row["total"] == 3);
    CHECK(row["lifetime_total"] == 3);
    CHECK(row["active"].get<int>() + row["archived"].get<int>() == 3);
    // Delivered, so there are delivery rows for retention to remove later.
    CHECK(receiver.wait_for_count("/hook", 3, 5s).size() == 3);
    CHECK(eventually([&] { return delivery_rows(ids) == 6; }, 5s));

    // Then archived, no earlier than EVENT_ACTIVE_FOR.
    REQUIRE(eventually([&] { return events(trigger, "archived").size() == 3; }, 6s));
    CHECK(Clock::now() - fired_at >= 2s);
    CHECK(events(trigger, "active").empty());
    for (const auto& e : events(trigger, "archived")) {
        auto triggered = etp::parse_rfc3339(e["triggered_at"].get<std::string>());
        auto archived = etp::parse_rfc3339(e["archived_at"].get<std::string>());
        REQUIRE(triggered);
        REQUIRE(archived);
        CHECK(*archived - *triggered >= 2s);
    }
    row = aggregate_row("", trigger);
    REQUIRE(row.is_object());
    CHECK(row["active"] == 0);
    CHECK(row["archived"] == 3);
    CHECK(row["lifetime_total"] == 3);

    // One more, archived by hand at once: it keeps that time until it is deleted.
    const auto hand_fired_at = Clock::now();
    const std::string hand = fire(trigger, 3);
    ids.push_back(hand);
    REQUIRE(eventually([&] { return api().get("/api/v1/events/" + hand)->status == 200; }, 5s));
    auto archived = api().post("/api/v1/events/" + hand + "/archive", json::object());
    REQUIRE(archived);
    REQUIRE(archived->status == 200);
    const std::string hand_time = json::parse(archived->body)["archived_at"];

    // Then gone, no earlier than EVENT_RETAIN_FOR; the hand-archived one keeps its time meanwhile.
    REQUIRE(eventually(
        [&] {
            auto res = api().get("/api/v1/events/" + hand);
            if (res && res->status == 200)
                CHECK(json::parse(res->body)["archived_at"] == hand_time);
            return events(trigger, "all").empty();
        },
        15s));
    CHECK(Clock::now() - fired_at >= 6s);
    CHECK(Clock::now() - hand_fired_at >= 6s);
    CHECK(events(trigger, "archived").empty());
    CHECK(api().get("/api/v1/events/" + ids[0])->status == 404);
    CHECK(delivery_rows(ids) == 0);

    // The aggregate still knows the trigger: nothing stored, four in its lifetime.
    row = aggregate_row("", trigger);
    REQUIRE(row.is_object());
    CHECK(row["active"] == 0);
    CHECK(row["archived"] == 0);
    CHECK(row["total"] == 0);
    CHECK(row["lifetime_total"] == 4);
    CHECK(row["trigger_name"] == "retention e2e");

    // New events add to the lifetime; it outlives the trigger's deletion too.
    fire(trigger, 4);
    CHECK(eventually([&] { return events(trigger, "all").size() == 1; }, 5s));
    row = aggregate_row("?trigger_id=" + trigger, trigger);
    REQUIRE(row.is_object());
    CHECK(row["total"] == 1);
    CHECK(row["lifetime_total"] == 5);
    auto deleted = api().raw().Delete(("/api/v1/triggers/" + trigger).c_str());
    REQUIRE(deleted);
    CHECK(deleted->status == 204);
    CHECK(eventually([&] { return events(trigger, "all").empty(); }, 15s));
    row = aggregate_row("", trigger);
    REQUIRE(row.is_object());
    CHECK(row["lifetime_total"] == 5);

    CHECK(metric(retention.admin_port, "etp_retention_active") == 1);
    // The boundary's hour to RETENTION_PARTITIONS_AHEAD (4) hours ahead.
    CHECK(metric(retention.admin_port, "etp_retention_partitions") >= 5);

    // Each pass that archived or deleted said so on etp.events, as an outside consumer reads
    // it: the summaries add up to the passes' counts. Passes go on meanwhile, and one may end
    // between reading its counters and reading the topic (a paced pass spans much of the
    // 1 s interval), so both are read again until they agree.
    double archived_events = 0;
    double deleted_events = 0;
    double archived_said = 0;
    double deleted_said = 0;
    std::vector<json> summaries;
    const bool agreed = eventually(
        [&] {
            archived_events = metric(retention.admin_port, "etp_retention_archived_total");
            deleted_events = metric(retention.admin_port, "etp_retention_deleted_total");
            summaries = read_summaries(began);
            archived_said = 0;
            deleted_said = 0;
            for (const auto& s : summaries) {
                double n = s["data"].value("events", 0.0);
                (s["type"] == "etp.event.archived" ? archived_said : deleted_said) += n;
            }
            return archived_said == archived_events && deleted_said == deleted_events;
        },
        20s);
    INFO("archived: counted " << archived_events << ", said " << archived_said
                              << "; deleted: counted " << deleted_events << ", said "
                              << deleted_said);
    CHECK(agreed);
    CHECK(archived_events >= 4);
    CHECK(deleted_events >= 5);
    for (const auto& s : summaries) {
        CHECK(s["source"] == "/etp/retention");
        CHECK(s["data"]["events"] > 0);
        auto before = etp::parse_rfc3339(s["data"]["triggered_before"].get<std::string>());
        auto at = etp::parse_rfc3339(s["time"].get<std::string>());
        REQUIRE(before);
        REQUIRE(at);
        CHECK(*at - *before == (s["type"] == "etp.event.archived" ? 2s : 6s));
    }
    CHECK(retention.process->terminate(10s) == 0);
}

TEST_CASE("a second retention instance stands by, ready, and takes over when the first dies") {
    etp::e2e::platform();
    const etp::testing::Env env{
        {"EVENT_ACTIVE_FOR", "2s"}, {"EVENT_RETAIN_FOR", "6s"}, {"RETENTION_INTERVAL", "1s"}};
    auto first = etp::e2e::make_service("retention", env);
    REQUIRE(first.start_and_wait());
    REQUIRE(eventually([&] { return metric(first.admin_port, "etp_retention_active") == 1; }, 5s));
    auto second = etp::e2e::make_service("retention", env);
    REQUIRE(second.start_and_wait());  // ready while standing by
    std::this_thread::sleep_for(2s);
    CHECK(metric(second.admin_port, "etp_retention_active") == 0);
    CHECK(metric(second.admin_port, "etp_retention_passes_total{outcome=\"completed\"}") == 0);

    first.process->kill9();
    CHECK(eventually([&] { return metric(second.admin_port, "etp_retention_active") == 1; }, 10s));
    CHECK(eventually(
        [&] {
            return metric(second.admin_port, "etp_retention_passes_total{outcome=\"completed\"}") >=
                   1;
        },
        10s));
    CHECK(second.process->terminate(10s) == 0);
}
