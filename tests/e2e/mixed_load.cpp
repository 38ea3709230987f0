#include "mixed_load.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cdc_support.hpp"
#include "etp/pg/connection.hpp"
#include "etp/testing/webhook_verifier.hpp"

namespace etp::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// FNV-1a: the same answer script on every run and every machine.
std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

// Every committed change of the churned tables, written in the changing transaction itself:
// what etp.cdc.changes must carry. xid is pgoutput's 32-bit transaction id.
constexpr const char* kAuditSql = R"sql(
create table fault_audit (
    id  bigserial primary key,
    tbl text   not null,
    op  text   not null,
    pk  text   not null,
    xid bigint not null
);
create function fault_audit() returns trigger language plpgsql as $$
begin
    insert into fault_audit (tbl, op, pk, xid) values (
        tg_table_name,
        case tg_op when 'INSERT' then 'c' when 'UPDATE' then 'u' else 'd' end,
        case when tg_op = 'DELETE' then old.id::text else new.id::text end,
        pg_current_xact_id()::text::bigint % 4294967296);
    return null;
end $$;
create trigger fault_audit after insert or update or delete on monitors
    for each row execute function fault_audit();
create trigger fault_audit after insert or update or delete on checks
    for each row execute function fault_audit();
create trigger fault_audit after insert or update or delete on incidents
    for each row execute function fault_audit();
)sql";

std::string id_key(const json& row) {
    if (!row.is_object() || !row.contains("id")) return "";
    const json& id = row["id"];
    return id.is_string() ? id.get<std::string>() : id.dump();
}

std::string uuid_array(const std::vector<std::string>& ids) {
    std::string out = "{";
    for (const auto& id : ids) out += (out.size() > 1 ? "," : "") + id;
    return out + "}";
}

std::set<std::string> column_set(pg::Connection& db, const std::string& sql,
                                 const pg::Params& params = {}) {
    auto r = db.exec(sql, params);
    std::set<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace(r.text(i, 0));
    return out;
}

template <typename Set>
std::string some_of(const Set& s, std::size_t n = 5) {
    std::string out;
    for (const auto& x : s) {
        if (n-- == 0) break;
        out += std::string(x) + " ";
    }
    return out;
}

}  // namespace

std::string LoadFigures::text() const {
    std::ostringstream o;
    const double secs = load_seconds > 0 ? load_seconds : 1;
    o << "load " << load_seconds << " s: fires " << fires_attempted << " attempted ("
      << fires_attempted / secs << "/s), " << fires_accepted << " accepted (202), " << fires_refused
      << " refused (503/other), " << fires_no_answer << " without answer; "
      << "churn " << churn_calls << " calls (" << churn_errors << " failed), " << source_changes
      << " source changes (" << source_changes / secs << "/s); " << scheduled_slots
      << " scheduled slots; webhooks " << webhook_requests << " requests for " << webhook_events
      << " events, " << webhook_failed_answers << " answered 5xx ("
      << (webhook_requests > 0 ? 100.0 * webhook_failed_answers / webhook_requests : 0.0) << " %); "
      << resent_after_2xx << " sent again after a 2xx (" << resent_after_2xx_excused
      << " right after a dispatcher SIGKILL); " << cdc_changes_read
      << " records read from etp.cdc.changes; " << events_with_target << " events with a target; "
      << dead_fires_accepted << " fires to the dead-letter trigger, " << dead_letters
      << " dead letters on etp.deliveries.dead; quiescent " << quiescence_seconds
      << " s after the load stopped";
    return o.str();
}

MixedLoad::MixedLoad(MixedLoadOptions options) : options_(std::move(options)) {}

MixedLoad::~MixedLoad() {
    stop_ = true;
    if (firer_.joinable()) firer_.join();
    if (churner_.joinable()) churner_.join();
    for (auto it = members_.rbegin(); it != members_.rend(); ++it)
        it->service.process->terminate(15s);
}

MixedLoad::Member& MixedLoad::member(const std::string& name) {
    for (auto& m : members_)
        if (m.name == name) return m;
    throw std::runtime_error("no member " + name);
}

std::string MixedLoad::tail_of(const Member& m) const {
    const std::string out = m.service.process->output();
    return m.name + " (tail):\n" + out.substr(out.size() > 3000 ? out.size() - 3000 : 0);
}

void MixedLoad::start() {
    auto& cluster = testing::PgCluster::shared();
    source_url_ = make_source_db(cluster, options_.name);
    psql(source_url_, kAuditSql);

    // Short leases and polls, so that a dead dispatcher's deliveries and due retries are taken
    // up within seconds.
    const testing::Env dispatcher_env = {{"DELIVERY_LEASE", "5s"},
                                         {"DELIVERY_POLL_INTERVAL", "200ms"}};
    members_.push_back({"api-gateway", make_service("api-gateway")});
    members_.push_back({"dispatcher-1", make_service("dispatcher", dispatcher_env)});
    members_.push_back({"dispatcher-2", make_service("dispatcher", dispatcher_env)});
    members_.push_back({"scheduler-1", make_service("scheduler")});
    members_.push_back({"scheduler-2", make_service("scheduler")});
    members_.push_back({"cdc-capture-1", make_cdc_capture(source_url_, options_.name)});
    members_.push_back({"cdc-capture-2", make_cdc_capture(source_url_, options_.name)});
    members_.push_back({"retention", make_service("retention")});
    // The gateway first: it applies the migrations.
    for (auto& m : members_) {
        const bool ready = m.service.start_and_wait();
        INFO(tail_of(m));
        REQUIRE(ready);
    }

    receiver_.respond("/api", [this](const auto& r) { return answer(r, api_target_down_); });
    receiver_.respond("/sched", [this](const auto& r) { return answer(r, false); });
    receiver_.respond("/cdc", [this](const auto& r) { return answer(r, false); });

    Api api(members_.front().service.http_port);
    const auto create = [&](json body) {
        auto res = api.post("/api/v1/triggers", body);
        REQUIRE(res);
        INFO(res->body);
        REQUIRE(res->status == 201);
        const json trigger = json::parse(res->body);
        if (trigger["target"].is_object())
            secrets_.push_back(trigger["target"].value("secret", ""));
        return trigger["id"].get<std::string>();
    };
    const auto retry = [&](int max_backoff_ms) {
        return json{{"max_attempts", options_.max_attempts},
                    {"initial_backoff_ms", options_.initial_backoff_ms},
                    {"max_backoff_ms", max_backoff_ms}};
    };
    api_trigger_ = create({{"name", "mixed api"},
                           {"type", "api"},
                           {"target", {{"url", receiver_.url("/api")}}},
                           {"retry", retry(options_.api_max_backoff_ms)}});
    dead_trigger_ =
        create({{"name", "mixed dead letters"},
                {"type", "api"},
                {"target", {{"url", receiver_.url("/dead")}}},
                {"retry",
                 {{"max_attempts", 3}, {"initial_backoff_ms", 5000}, {"max_backoff_ms", 10000}}}});
    receiver_.respond("/dead", [](const auto&) {
        testing::Reply reply;
        reply.status = 500;
        return reply;
    });
    for (int i = 0; i < options_.schedules; ++i)
        schedule_triggers_.push_back(
            create({{"name", "mixed schedule " + std::to_string(i)},
                    {"type", "scheduled"},
                    {"schedule", {{"interval_seconds", 1}, {"misfire", "fire_all"}}},
                    {"target", {{"url", receiver_.url("/sched")}}},
                    {"retry", retry(options_.max_backoff_ms)}}));
    const json all_ops = {"insert", "update", "delete"};
    monitors_trigger_ = create({{"name", "mixed monitors"},
                                {"type", "cdc"},
                                {"cdc", {{"table", "public.monitors"}, {"operations", all_ops}}},
                                {"target", {{"url", receiver_.url("/cdc")}}},
                                {"retry", retry(options_.max_backoff_ms)}});
    // Without a target: they only make cdc-capture publish the other churned tables.
    for (const char* table : {"public.checks", "public.incidents"})
        create({{"name", std::string("mixed ") + table},
                {"type", "cdc"},
                {"cdc", {{"table", table}, {"operations", all_ops}}}});
    for (const char* table : {"public.monitors", "public.checks", "public.incidents"})
        REQUIRE(wait_published(source_url_, options_.name, table, 60s));
    // And their initial snapshots are done (CDC_SNAPSHOT=initial): a change committed before a
    // table's snapshot is taken is in the snapshot as an "r" row, not streamed with its own op,
    // so the load must start after them for every change to be on the topic as itself.
    {
        pg::Connection db(testing::PgCluster::shared().url(), 5s, 60s);
        const auto deadline = Clock::now() + 120s;
        long done = 0;
        while (Clock::now() < deadline) {
            done = db.exec(
                         "SELECT count(*) FROM cdc_snapshots WHERE publication = $1 AND "
                         "table_name IN ('public.monitors', 'public.checks', "
                         "'public.incidents') AND state = 'done'",
                         {options_.name})
                       .integer(0, 0);
            if (done == 3) break;
            std::this_thread::sleep_for(200ms);
        }
        REQUIRE(done == 3);
    }

    load_started_ = Clock::now();
    firer_ = std::thread([this] { fire_loop(); });
    churner_ = std::thread([this] { churn_loop(); });
}

testing::Reply MixedLoad::answer(const testing::ReceivedRequest& r, bool target_down) {
    const std::string id = r.header("webhook-id").value_or("");
    std::lock_guard lock(mutex_);
    auto& answers = answers_[id];
    const std::string attempt = id + "#" + std::to_string(answers.size() + 1);
    int status = 200;
    if (id.empty())
        status = 400;
    else if (target_down)
        status = 503;
    else if (static_cast<int>(fnv1a(attempt) % 100) < options_.failing_percent)
        status = 500;
    answers.push_back({status, Clock::now()});
    testing::Reply reply;
    reply.status = status;
    return reply;
}

void MixedLoad::fire_loop() {
    Api api(members_.front().service.http_port);
    api.raw().set_connection_timeout(2, 0);
    api.raw().set_read_timeout(15, 0);
    const auto period = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / options_.fires_per_second));
    auto next = Clock::now();
    for (long n = 0; !stop_; ++n) {
        ++fires_attempted_;
        const bool dead = n % 10 == 9;
        auto res = api.post("/api/v1/triggers/" + (dead ? dead_trigger_ : api_trigger_) + "/fire",
                            {{"n", n}});
        if (!res) {
            ++fires_no_answer_;
        } else if (res->status == 202) {
            auto body = json::parse(res->body, nullptr, false);
            std::lock_guard lock(mutex_);
            (dead ? dead_accepted_ : accepted_).push_back(body.value("event_id", ""));
        } else {
            ++fires_refused_;
        }
        next += period;
        const auto now = Clock::now();
        if (now > next + 1s) next = now;  // after an outage: no burst to catch up
        std::this_thread::sleep_until(next);
    }
}

void MixedLoad::churn_loop() {
    std::unique_ptr<pg::Connection> source;
    const std::string call = "CALL churn(" + std::to_string(options_.churn_batch) + ")";
    while (!stop_) {
        try {
            if (!source) source = std::make_unique<pg::Connection>(source_url_, 2s, 30s);
            source->exec(call);
            ++churn_calls_;
        } catch (const std::exception&) {
            // PostgreSQL away: the audit table holds only what committed.
            ++churn_errors_;
            source.reset();
        }
        std::this_thread::sleep_for(options_.churn_every);
    }
}

void MixedLoad::kill(Member& m) {
    if (m.name.rfind("dispatcher", 0) == 0) {
        std::lock_guard lock(mutex_);
        dispatcher_kills_.push_back(Clock::now());
    }
    m.service.process->kill9();
}

bool MixedLoad::restart(Member& m) {
    m.service.process->start();
    return m.service.process->wait_ready(m.service.admin_port, 90s);
}

void MixedLoad::stop_load() {
    if (stopped_) return;
    stopped_ = true;
    stop_ = true;
    if (firer_.joinable()) firer_.join();
    if (churner_.joinable()) churner_.join();
    load_stopped_ = Clock::now();
    Api api(members_.front().service.http_port);
    schedules_deactivated_ = std::chrono::system_clock::now();
    for (const auto& id : schedule_triggers_) {
        auto res = api.post("/api/v1/triggers/" + id + "/deactivate", json::object());
        CHECK(res);
        if (res) CHECK(res->status == 200);
    }
}

LoadFigures MixedLoad::check_invariants(std::chrono::seconds timeout) {
    stop_load();
    LoadFigures f;
    f.load_seconds = seconds_between(load_started_, load_stopped_);
    f.fires_attempted = fires_attempted_;
    f.fires_refused = fires_refused_;
    f.fires_no_answer = fires_no_answer_;
    f.churn_calls = churn_calls_;
    f.churn_errors = churn_errors_;
    std::vector<std::string> accepted;
    std::set<std::string> dead_wanted;
    {
        std::lock_guard lock(mutex_);
        accepted = accepted_;
        dead_wanted.insert(dead_accepted_.begin(), dead_accepted_.end());
    }
    f.dead_fires_accepted = static_cast<long>(dead_wanted.size());
    f.fires_accepted = static_cast<long>(accepted.size());
    const std::set<std::string> wanted(accepted.begin(), accepted.end());
    const auto deactivated_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    schedules_deactivated_.time_since_epoch())
                                    .count();
    std::vector<std::string> targeted = schedule_triggers_;
    targeted.push_back(api_trigger_);
    targeted.push_back(monitors_trigger_);
    const std::string targeted_array = uuid_array(targeted);

    // What the invariants read; gathered again until all hold or the time is up.
    std::set<std::string> logged;  // api events' ids
    long api_event_rows = 0;       // api events (a repeat would count twice)
    std::map<std::string, std::vector<std::int64_t>> slots;  // per schedule, sorted
    std::set<std::string> audit;                             // source changes "tbl|op|pk|xid"
    std::set<std::string> on_topic;                          // the same key, from etp.cdc.changes
    long audit_monitors = 0, monitors_events = 0, monitors_distinct = 0;
    std::set<std::string> targeted_events;
    long pending = 0, pending_overdue = 0, dead = 0;
    std::string overdue_sample;
    std::vector<std::string> undelivered;
    std::set<std::string> dead_logged, dead_rows, dead_on_topic;

    const auto gather = [&](bool read_topic) {
        pg::Connection db(testing::PgCluster::shared().url(), 5s, 60s);
        logged = column_set(db, "SELECT id::text FROM events WHERE trigger_id = $1::uuid",
                            {api_trigger_});
        api_event_rows =
            db.exec("SELECT count(*) FROM events WHERE trigger_id = $1::uuid", {api_trigger_})
                .integer(0, 0);
        for (const auto& id : schedule_triggers_) {
            auto r = db.exec(
                "SELECT (extract(epoch FROM scheduled_for) * 1000000)::bigint FROM events "
                "WHERE trigger_id = $1::uuid AND NOT is_test ORDER BY scheduled_for",
                {id});
            auto& s = slots[id];
            s.clear();
            for (int i = 0; i < r.rows(); ++i) s.push_back(r.integer(i, 0));
        }
        auto m = db.exec(
            "SELECT count(*), count(DISTINCT payload::jsonb->'source'->>'lsn') FROM events "
            "WHERE trigger_id = $1::uuid",
            {monitors_trigger_});
        monitors_events = m.integer(0, 0);
        monitors_distinct = m.integer(0, 1);
        targeted_events = column_set(
            db, "SELECT id::text FROM events WHERE trigger_id = ANY($1::uuid[]) AND NOT is_test",
            {targeted_array});
        auto d = db.exec(
            "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = "
            "'pending' AND next_attempt_at < now() - interval '10 seconds'), count(*) FILTER "
            "(WHERE status = 'dead' AND trigger_id <> $2::uuid) FROM deliveries WHERE "
            "trigger_id = ANY($1::uuid[]) OR trigger_id = $2::uuid",
            {targeted_array, dead_trigger_});
        dead_logged = column_set(db, "SELECT id::text FROM events WHERE trigger_id = $1::uuid",
                                 {dead_trigger_});
        dead_rows = column_set(
            db,
            "SELECT event_id::text FROM deliveries WHERE trigger_id = $1::uuid AND status = "
            "'dead'",
            {dead_trigger_});
        pending = d.integer(0, 0);
        pending_overdue = d.integer(0, 1);
        dead = d.integer(0, 2);
        auto o = db.exec(
            "SELECT event_id::text || ' attempts ' || attempts || ' due ' || next_attempt_at "
            "|| ' error ' || coalesce(last_error, '') FROM deliveries WHERE status = 'pending' "
            "AND next_attempt_at < now() - interval '10 seconds' LIMIT 3");
        overdue_sample.clear();
        for (int i = 0; i < o.rows(); ++i) overdue_sample += std::string(o.text(i, 0)) + "; ";

        pg::Connection source(source_url_, 5s, 60s);
        auto a = source.exec("SELECT tbl || '|' || op || '|' || pk || '|' || xid FROM fault_audit");
        audit.clear();
        audit_monitors = 0;
        for (int i = 0; i < a.rows(); ++i) {
            std::string key(a.text(i, 0));
            if (key.rfind("monitors|", 0) == 0) ++audit_monitors;
            audit.insert(std::move(key));
        }
        if (read_topic) {
            const auto r = testing::run_command(
                "/usr/bin/kcat",
                {"-b", testing::KafkaBroker::shared().bootstrap(), "-C", "-t",
                 "etp.deliveries.dead", "-e", "-q", "-o", "beginning", "-f", "%k\n"},
                {}, 60s);
            std::istringstream keys(r.out);
            dead_on_topic.clear();
            for (std::string key; std::getline(keys, key);)
                if (!key.empty()) dead_on_topic.insert(key);
            on_topic.clear();
            const auto records = read_changes(options_.name);
            f.cdc_changes_read = static_cast<long>(records.size());
            for (const auto& r : records) {
                const json& v = r.value;
                const std::string op = v.value("op", "");
                const std::string pk = id_key(op == "d" ? v["before"] : v["after"]);
                on_topic.insert(v["source"].value("table", "") + "|" + op + "|" + pk + "|" +
                                std::to_string(v["source"].value("txId", std::int64_t{-1})));
            }
        }
        undelivered.clear();
        std::lock_guard lock(mutex_);
        for (const auto& id : targeted_events) {
            auto it = answers_.find(id);
            const bool ok = it != answers_.end() &&
                            std::any_of(it->second.begin(), it->second.end(), [](const Answer& x) {
                                return x.status >= 200 && x.status < 300;
                            });
            if (!ok) undelivered.push_back(id);
        }
    };
    const auto all_logged = [&] {
        return std::all_of(wanted.begin(), wanted.end(),
                           [&](const std::string& id) { return logged.count(id) > 0; });
    };
    const auto slots_caught_up = [&] {
        for (const auto& [id, s] : slots)
            if (s.empty() || s.back() < deactivated_us - 3'000'000) return false;
        return true;
    };
    const auto changes_on_topic = [&] {
        return std::all_of(audit.begin(), audit.end(),
                           [&](const std::string& k) { return on_topic.count(k) > 0; });
    };

    const auto deadline = Clock::now() + timeout;
    std::string gather_error;
    for (int round = 0;; ++round) {
        bool quiet = false;
        try {
            gather(round % 3 == 0);
            gather_error.clear();
            quiet = all_logged() && slots_caught_up() && changes_on_topic() &&
                    audit_monitors <= monitors_events && pending == 0 && undelivered.empty() &&
                    std::includes(dead_on_topic.begin(), dead_on_topic.end(), dead_wanted.begin(),
                                  dead_wanted.end());
        } catch (const std::exception& e) {
            gather_error = e.what();
        }
        if (quiet && round % 3 == 0) break;  // a fresh read of the topic agreed
        if (Clock::now() >= deadline) {
            if (round % 3 != 0) {
                try {
                    gather(true);
                } catch (const std::exception& e) {
                    gather_error = e.what();
                }
            }
            break;
        }
        std::this_thread::sleep_for(1s);
    }
    f.quiescence_seconds = seconds_between(load_stopped_, Clock::now());
    REQUIRE(gather_error.empty());

    // 1. Every accepted fire logged exactly once.
    {
        std::set<std::string> missing;
        for (const auto& id : wanted)
            if (logged.count(id) == 0) missing.insert(id);
        INFO("accepted fires: " << wanted.size() << ", logged api events: " << logged.size()
                                << " (rows " << api_event_rows << "), accepted but not logged: "
                                << missing.size() << " e.g. " << some_of(missing));
        CHECK(wanted.size() == accepted.size());  // no event id answered twice
        CHECK(missing.empty());
        CHECK(api_event_rows == static_cast<long>(logged.size()));
        CHECK(api_event_rows <= f.fires_attempted);
    }
    // 1b. The dead-letter trigger's fires too; each delivery dead (3 attempts, all 500) and on
    // etp.deliveries.dead.
    {
        std::vector<std::string> not_logged, not_dead, not_on_topic;
        for (const auto& id : dead_wanted) {
            if (dead_logged.count(id) == 0) not_logged.push_back(id);
            if (dead_rows.count(id) == 0) not_dead.push_back(id);
            if (dead_on_topic.count(id) == 0) not_on_topic.push_back(id);
        }
        f.dead_letters = static_cast<long>(dead_on_topic.size());
        INFO("dead-letter fires accepted: "
             << dead_wanted.size() << ", logged: " << dead_logged.size()
             << ", not logged: " << some_of(not_logged) << "; deliveries dead: " << dead_rows.size()
             << ", not dead: " << some_of(not_dead) << "; on etp.deliveries.dead: "
             << dead_on_topic.size() << ", missing: " << some_of(not_on_topic));
        CHECK(not_logged.empty());
        CHECK(dead_logged.size() == dead_wanted.size());
        CHECK(not_dead.empty());
        CHECK(not_on_topic.empty());
    }
    // 2. Every due slot exactly once: no slot twice, none missing between the first and the
    // last, and the last one due before the schedules were deactivated is there.
    for (const auto& [id, s] : slots) {
        long twice = 0;
        std::vector<std::string> gaps;
        for (std::size_t i = 1; i < s.size(); ++i) {
            if (s[i] == s[i - 1])
                ++twice;
            else if (s[i] - s[i - 1] != 1'000'000)
                gaps.push_back(std::to_string(s[i - 1]) + "->" + std::to_string(s[i]));
        }
        f.scheduled_slots += static_cast<long>(s.size());
        INFO("schedule " << id << ": " << s.size() << " slots logged, " << twice
                         << " twice, gaps (µs): " << some_of(gaps) << "; last slot "
                         << (s.empty() ? 0 : s.back()) << " µs, deactivated at " << deactivated_us
                         << " µs");
        CHECK(twice == 0);
        CHECK(gaps.empty());
        CHECK(!s.empty());
        if (!s.empty()) CHECK(s.back() >= deactivated_us - 3'000'000);
    }
    // 3. Every source change on etp.cdc.changes, and every monitors change logged once.
    {
        std::set<std::string> missing;
        for (const auto& k : audit)
            if (on_topic.count(k) == 0) missing.insert(k);
        f.source_changes = static_cast<long>(audit.size());
        INFO("source changes (audit): " << audit.size() << ", distinct on etp.cdc.changes: "
                                        << on_topic.size() << ", missing: " << missing.size()
                                        << " e.g. " << some_of(missing));
        CHECK(audit.size() > 0);
        CHECK(missing.empty());
        INFO("monitors changes: " << audit_monitors
                                  << ", logged monitors events: " << monitors_events
                                  << " (distinct lsn " << monitors_distinct << ")");
        CHECK(monitors_events == audit_monitors);
        CHECK(monitors_distinct == monitors_events);
    }
    // 4. Every event delivered at least once under a stable webhook-id, none sent again after
    // a 2xx (unless a dispatcher was SIGKILLed between the 2xx and the repeat: its record of
    // the success died with it).
    {
        const auto requests = receiver_.requests();
        f.webhook_requests = static_cast<long>(requests.size());
        long wrong_id = 0, bad_signature = 0;
        std::string first_problem;
        for (const auto& r : requests) {
            const json body = json::parse(r.body, nullptr, false);
            if (body.is_discarded() || !body.contains("id") ||
                r.header("webhook-id") != body["id"].get<std::string>()) {
                ++wrong_id;
                if (first_problem.empty()) first_problem = "webhook-id vs body: " + r.body;
            }
            const auto check = testing::verify_webhook(r, secrets_);
            if (!check.ok) {
                ++bad_signature;
                if (first_problem.empty()) first_problem = check.problem;
            }
        }
        std::vector<std::string> resent;
        std::set<std::string> unknown;
        {
            std::lock_guard lock(mutex_);
            f.webhook_events = static_cast<long>(answers_.size());
            for (const auto& [id, answers] : answers_) {
                if (targeted_events.count(id) == 0) unknown.insert(id);
                std::optional<Clock::time_point> first_ok;
                for (const auto& a : answers) {
                    if (a.status >= 500) ++f.webhook_failed_answers;
                    if (first_ok) {
                        ++f.resent_after_2xx;
                        const bool excused = std::any_of(
                            dispatcher_kills_.begin(), dispatcher_kills_.end(),
                            [&](Clock::time_point k) { return k >= *first_ok - 5s && k <= a.at; });
                        if (excused)
                            ++f.resent_after_2xx_excused;
                        else
                            resent.push_back(id + " (" + std::to_string(answers.size()) +
                                             " requests)");
                    } else if (a.status >= 200 && a.status < 300) {
                        first_ok = a.at;
                    }
                }
            }
        }
        f.events_with_target = static_cast<long>(targeted_events.size());
        INFO("events with a target: "
             << targeted_events.size() << ", never answered 2xx: " << undelivered.size() << " e.g. "
             << some_of(undelivered) << "; webhook-ids that are no logged event: " << unknown.size()
             << " e.g. " << some_of(unknown));
        CHECK(undelivered.empty());
        CHECK(unknown.empty());
        INFO("requests: " << requests.size() << "; first problem: " << first_problem);
        CHECK(wrong_id == 0);
        CHECK(bad_signature == 0);
        INFO("sent again after a 2xx with no dispatcher kill in between: "
             << resent.size() << " e.g. " << some_of(resent));
        CHECK(resent.empty());
    }
    // 5. No pending retry lost: nothing pending (or overdue) once quiet, nothing dead.
    {
        INFO("deliveries pending: " << pending << ", overdue by 10 s+: " << pending_overdue
                                    << " e.g. " << overdue_sample << "; dead: " << dead);
        CHECK(pending_overdue == 0);
        CHECK(pending == 0);
        CHECK(dead == 0);
    }
    // 6. Every service healthy again.
    for (auto& m : members_) {
        const bool ready =
            eventually([&] { return readyz(m.service.admin_port).first == 200; }, 90s);
        INFO(tail_of(m) << "\n/readyz: " << readyz(m.service.admin_port).second);
        CHECK(ready);
    }
    std::printf("%s: %s\n", options_.name.c_str(), f.text().c_str());
    std::fflush(stdout);
    return f;
}

void MixedLoad::check_all_running() {
    for (auto& m : members_) {
        INFO(m.name << " output:\n" << m.service.process->output());
        CHECK(m.service.process->running());
    }
}

}  // namespace etp::e2e
