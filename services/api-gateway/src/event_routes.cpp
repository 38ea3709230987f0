#include <algorithm>
#include <mutex>

#include "delivery_json.hpp"
#include "etp/pg/delivery_store.hpp"
#include "etp/pg/error.hpp"
#include "etp/pg/event_store.hpp"
#include "etp/pg/trigger_store.hpp"
#include "event_json.hpp"
#include "http_support.hpp"
#include "query_cache.hpp"
#include "routes.hpp"

namespace etp::gateway {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kStatsTtl{60};
// How long an aggregate answer is served again to the same filter.
constexpr std::chrono::seconds kAggregateTtl{2};
// Events a page= listing may reach (page × page_size): PostgreSQL reads and drops every row
// before the OFFSET, so deeper pages cost more than they show. The cursor has no such cost.
constexpr std::int64_t kMaxPagedEvents = 10'000;
// The longest ?payload_contains= (decoded).
constexpr std::size_t kMaxPayloadContains = 4096;

std::optional<Timestamp> time_param(const net::Request& req, const std::string& name) {
    auto text = query_text(req, name);
    if (!text) return std::nullopt;
    auto t = parse_rfc3339(*text);
    if (!t) throw bad_query(name, "must be an RFC 3339 timestamp such as 2026-01-31T09:00:00Z");
    return t;
}

// ?payload_contains=: a JSON object the payload must contain (jsonb containment: every key with
// a value contained in the payload's, arrays as subsets), as compact JSON text.
std::optional<std::string> payload_contains_param(const net::Request& req) {
    auto text = query_text(req, "payload_contains");
    if (!text) return std::nullopt;
    if (text->size() > kMaxPayloadContains)
        throw bad_query(
            "payload_contains",
            "must be at most " + std::to_string(kMaxPayloadContains) + " bytes of JSON");
    if (nesting_depth(*text, kMaxJsonDepth) > kMaxJsonDepth)
        throw bad_query("payload_contains",
                        "is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    json value = json::parse(*text, nullptr, false);
    if (value.is_discarded() || !value.is_object())
        throw bad_query("payload_contains",
                        "must be a JSON object (URL-encoded) such as {\"currency\":\"EUR\"}");
    if (find_nul(value))
        throw bad_query("payload_contains", "must not contain the character U+0000");
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The filters shared by the list and aggregate routes. `trigger` overrides ?trigger_id.
pg::EventFilter event_filter(const net::Request& req, std::optional<TriggerId> trigger) {
    pg::EventFilter f;
    f.status = pg::EventStatus::kActive;
    if (auto status = query_text(req, "status")) {
        if (*status == "active")
            f.status = pg::EventStatus::kActive;
        else if (*status == "archived")
            f.status = pg::EventStatus::kArchived;
        else if (*status == "all")
            f.status = pg::EventStatus::kAll;
        else
            throw bad_query("status", "must be active, archived or all");
    }
    f.trigger_id = trigger;
    if (!trigger) {
        if (auto text = query_text(req, "trigger_id")) {
            f.trigger_id = TriggerId::parse(*text);
            if (!f.trigger_id) throw bad_query("trigger_id", "must be a UUID");
        }
    }
    if (auto type = query_text(req, "type")) {
        f.type = parse_trigger_type(*type);
        if (!f.type) throw bad_query("type", "must be scheduled, api or cdc");
    }
    if (auto source = query_text(req, "source")) {
        if (*source != kSourceApi && *source != kSourceSchedule && *source != kSourceCdc &&
            *source != kSourceTest)
            throw bad_query("source", "must be api, schedule, cdc or test");
        f.source = *source;
    }
    f.show_test = query_bool(req, "show_test").value_or(false) || f.source == kSourceTest;
    f.since = time_param(req, "since");
    f.until = time_param(req, "until");
    if (f.since && f.until && *f.until <= *f.since) throw bad_query("until", "must be after since");
    f.payload_contains = payload_contains_param(req);
    return f;
}

void reply_page(const net::Request& req, net::Response& res, GatewayContext& ctx,
                const pg::EventFilter& filter) {
    std::int64_t page_size = query_int(req, "page_size", 100, 1, 500);
    std::optional<pg::EventCursor> cursor;
    if (auto text = query_text(req, "cursor")) {
        cursor = pg::EventCursor::decode(*text);
        if (!cursor) throw bad_query("cursor", "must be a next_cursor from an earlier page");
    }
    std::int64_t page = query_int(req, "page", 1, 1, 10'000);
    if (cursor && req.has_param("page")) throw bad_query("page", "cannot be combined with cursor");
    if (page * page_size > kMaxPagedEvents)
        throw bad_query("page", "reaches past the first " + std::to_string(kMaxPagedEvents) +
                                    " events (page × page_size); page further with cursor, "
                                    "the next_cursor of the page before");
    pg::EventPage result;
    {
        auto conn = ctx.pool.acquire();
        result = pg::EventStore::list(*conn, filter, page_size, cursor, (page - 1) * page_size);
    }
    std::string body = "{\"has_more\":";
    body += result.next ? "true" : "false";
    body += ",\"items\":[";
    body.reserve(body.size() + result.items.size() * 512);
    for (std::size_t i = 0; i < result.items.size(); ++i) {
        if (i > 0) body += ',';
        append_event_json(body, result.items[i]);
    }
    body += "],\"next_cursor\":";
    body += result.next ? "\"" + result.next->encode() + "\"" : "null";
    if (!cursor) body += ",\"page\":" + std::to_string(page);
    body += ",\"page_size\":" + std::to_string(page_size) + "}";
    res.status = 200;
    res.set_content(std::move(body), "application/json");
}

EventId event_id_param(const net::Request& req) {
    std::string text = req.matches[1];
    auto id = EventId::parse(text);
    if (!id) throw not_found("event", text);
    return *id;
}

// Queues the next delivery; two concurrent redelivers may pick the same number, in which case
// the loser tries once more with the next one.
std::int64_t enqueue_redelivery(pg::Connection& conn, const Event& event) {
    for (int tries = 1;; ++tries) {
        try {
            return pg::DeliveryStore::enqueue_redelivery(conn, event);
        } catch (const pg::DatabaseError& e) {
            if (e.kind() != ErrorKind::kConflict) throw;
            if (tries == 2)
                throw Error(ErrorKind::kConflict,
                            "another redelivery of this event was queued at the same moment; "
                            "try again");
        }
    }
}

// GET /stats is an overview, not a live counter: one computation per minute at most.
class StatsCache {
 public:
    struct Answer {
        json body;
        std::chrono::seconds fresh_for;  // until the next computation (Cache-Control max-age)
    };

    Answer get(GatewayContext& ctx) {
        std::lock_guard lock(mutex_);  // also makes concurrent misses compute once
        auto now = std::chrono::steady_clock::now();
        if (value_.is_null() || now >= expires_) {
            pg::EventStats s;
            {
                auto conn = ctx.pool.acquire();
                s = pg::EventStore::stats(*conn);
            }
            json by_type = json::object();
            for (const auto& [type, count] : s.by_type) by_type[type] = count;
            value_ = {{"totals",
                       {{"by_type", by_type},
                        {"by_status", {{"active", s.active}, {"archived", s.archived}}},
                        {"test", s.test},
                        {"all", s.active + s.archived}}},
                      {"rates",
                       {{"last_minute", s.last_minute},
                        {"last_hour", s.last_hour},
                        {"last_day", s.last_day},
                        {"per_second_last_minute", static_cast<double>(s.last_minute) / 60.0}}},
                      {"generated_at", format_rfc3339(now_utc())},
                      {"cached_for_seconds", kStatsTtl.count()}};
            expires_ = now + kStatsTtl;
        }
        auto left = std::chrono::ceil<std::chrono::seconds>(expires_ - now);
        return {value_, std::clamp(left, std::chrono::seconds(0), kStatsTtl)};
    }

 private:
    std::mutex mutex_;  // guards value_ and expires_
    json value_;
    std::chrono::steady_clock::time_point expires_;
};

// A cache key naming every part of a filter.
std::string filter_key(const pg::EventFilter& f) {
    std::string key = "status=" + std::to_string(static_cast<int>(f.status));
    key += " trigger=" + (f.trigger_id ? f.trigger_id->to_string() : "");
    key += " type=" + (f.type ? std::string(to_string(*f.type)) : "");
    key += " source=" + f.source.value_or("");
    key += std::string(" test=") + (f.show_test ? "1" : "0");
    key += " since=" + (f.since ? format_rfc3339(*f.since) : "");
    key += " until=" + (f.until ? format_rfc3339(*f.until) : "");
    key += " payload=" + f.payload_contains.value_or("");  // last: it may hold any text
    return key;
}

std::string aggregate_body(GatewayContext& ctx, const pg::EventFilter& filter, std::int64_t limit) {
    std::vector<pg::TriggerEventCounts> rows;
    {
        auto conn = ctx.pool.acquire();
        rows = pg::EventStore::aggregate(*conn, filter, limit);
    }
    json items = json::array();
    for (const auto& r : rows)
        items.push_back({{"trigger_id", r.trigger_id.to_string()},
                         {"trigger_name", r.trigger_name},
                         {"trigger_type", to_string(r.trigger_type)},
                         {"active", r.active},
                         {"archived", r.archived},
                         {"total", r.total},
                         {"lifetime_total", r.lifetime_total},
                         {"last_fired_at", format_rfc3339(r.last_fired_at)}});
    return json{{"items", items}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

void add_event_routes(HttpServer& server, GatewayContext& ctx) {
    server.get("/api/v1/events", Scope::kRead, [&ctx](const net::Request& req, net::Response& res) {
        reply_page(req, res, ctx, event_filter(req, std::nullopt));
    });

    server.get(R"(/api/v1/events/trigger/([^/]+))", Scope::kRead,
               [&ctx](const net::Request& req, net::Response& res) {
                   TriggerId id = trigger_id_param(req, 1);
                   reply_page(req, res, ctx, event_filter(req, id));
               });

    // Each answer is cached for a few seconds per filter, and identical requests share one
    // scan; at most two scans run at once (a third distinct filter gets 429).
    auto aggregates = std::make_shared<QueryCache<std::string>>(kAggregateTtl, 256, 2);
    server.get("/api/v1/events/aggregate", Scope::kRead,
               [&ctx, aggregates](const net::Request& req, net::Response& res) {
                   pg::EventFilter filter = event_filter(req, std::nullopt);
                   if (!req.has_param("status")) filter.status = pg::EventStatus::kAll;
                   std::int64_t limit = query_int(req, "limit", 100, 1, 1000);
                   auto body =
                       aggregates->get(filter_key(filter) + " limit=" + std::to_string(limit),
                                       [&] { return aggregate_body(ctx, filter, limit); });
                   if (!body) {
                       res.set_header("Retry-After", "1");
                       reply_problem(res, Problem{429,
                                                  "",
                                                  "too many event aggregates are being "
                                                  "computed at once; try again shortly",
                                                  {}});
                       return;
                   }
                   res.status = 200;
                   res.set_header("Cache-Control",
                                  "private, max-age=" + std::to_string(kAggregateTtl.count()));
                   res.set_content(std::move(*body), "application/json");
               });

    server.get(R"(/api/v1/events/([^/]+))", Scope::kRead,
               [&ctx](const net::Request& req, net::Response& res) {
                   EventId id = event_id_param(req);
                   auto conn = ctx.pool.acquire();
                   auto event = pg::EventStore::get(*conn, id);
                   if (!event) throw not_found("event", id.to_string());
                   json body = to_json(*event);
                   body["deliveries"] = json::array();
                   for (const auto& d : pg::DeliveryStore::list_for_event(*conn, id))
                       body["deliveries"].push_back(delivery_to_json(d));
                   reply_json(res, 200, body);
               });

    server.post(R"(/api/v1/events/([^/]+)/archive)", Scope::kWrite,
                [&ctx](const net::Request& req, net::Response& res) {
                    EventId id = event_id_param(req);
                    auto conn = ctx.pool.acquire();
                    auto event = pg::EventStore::archive(*conn, id);
                    if (!event) throw not_found("event", id.to_string());
                    reply_json(res, 200, to_json(*event));
                });

    server.post(R"(/api/v1/events/([^/]+)/redeliver)", Scope::kWrite,
                [&ctx](const net::Request& req, net::Response& res) {
                    EventId id = event_id_param(req);
                    auto conn = ctx.pool.acquire();
                    auto event = pg::EventStore::get(*conn, id);
                    if (!event) throw not_found("event", id.to_string());
                    // A test of an unsaved definition has no trigger row: its first delivery
                    // carries the target.
                    auto trigger = pg::TriggerStore::get(*conn, event->trigger_id);
                    bool has_target = (trigger && trigger->spec.target) ||
                                      pg::DeliveryStore::has_inline_target(*conn, id);
                    if (!has_target)
                        throw Error(ErrorKind::kConflict,
                                    "the event's trigger has no webhook target to deliver to");
                    std::int64_t number = enqueue_redelivery(*conn, *event);
                    reply_json(res, 202, {{"event_id", id.to_string()}, {"delivery", number}});
                });

    static StatsCache stats;
    server.get("/api/v1/stats", Scope::kRead, [&ctx](const net::Request&, net::Response& res) {
        StatsCache::Answer answer = stats.get(ctx);
        // private: the answer is for holders of a read key, not for shared caches.
        res.set_header("Cache-Control",
                       "private, max-age=" + std::to_string(answer.fresh_for.count()));
        reply_json(res, 200, answer.body);
    });
}

}  // namespace etp::gateway
