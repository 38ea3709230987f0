#pragma once
// Shared by the cdc-capture e2e and fault tests: a source database written by psql (the outside
// writer), etp.cdc.changes read by kcat (the outside reader), and cdc-capture started with its
// own slot and publication.

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "etp/testing/service_process.hpp"
#include "platform.hpp"

namespace etp::e2e {

inline std::string fixture(const std::string& name) {
    std::ifstream in(std::string(ETP_FIXTURES_DIR) + "/monitors/" + name);
    if (!in) throw std::runtime_error("missing fixture " + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// psql as the outside writer: runs `sql` on `url`, stops at the first error.
inline void psql(const std::string& url, const std::string& sql) {
    auto r =
        testing::run_command("/usr/bin/psql", {url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql},
                             {}, std::chrono::minutes(5));
    if (r.exit_code != 0) throw std::runtime_error("psql failed: " + r.err + "\nSQL: " + sql);
}

// A fresh database on `cluster` with the monitors fixture loaded; returns its URL.
inline std::string make_source_db(testing::PgCluster& cluster, const std::string& name) {
    cluster.create_database(name);
    auto url = cluster.url(name);
    psql(url, fixture("schema.sql"));
    psql(url, fixture("seed.sql"));
    return url;
}

// A fresh database on the shared cluster, with `sql` run in it (a table of the test's own);
// returns its URL. Call after platform().
inline std::string make_plain_source_db(const std::string& name, const std::string& sql) {
    auto& cluster = testing::PgCluster::shared();
    cluster.create_database(name);
    auto url = cluster.url(name);
    psql(url, sql);
    return url;
}

// Every change on etp.cdc.changes from database `db` (all tables), in partition order, as kcat
// reads it from the beginning to the current end.
struct CdcRecord {
    std::string key;
    nlohmann::json value;
};
inline std::vector<CdcRecord> read_changes(const std::string& db) {
    auto r =
        testing::run_command("/usr/bin/kcat",
                             {"-b", testing::KafkaBroker::shared().bootstrap(), "-C", "-t",
                              "etp.cdc.changes", "-e", "-q", "-o", "beginning", "-f", "%k\t%s\n"},
                             {}, std::chrono::seconds(60));
    std::vector<CdcRecord> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        const auto tab = line.find('\t');
        if (tab == std::string::npos) continue;
        auto value = nlohmann::json::parse(line.substr(tab + 1), nullptr, false);
        if (!value.is_object() || value["source"]["db"] != db) continue;
        out.push_back({line.substr(0, tab), std::move(value)});
    }
    return out;
}

// Polls kcat until `done(records)` or the timeout; returns the last read.
template <typename Done>
std::vector<CdcRecord> wait_changes(const std::string& db, Done done,
                                    std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto records = read_changes(db);
        if (done(records) || std::chrono::steady_clock::now() >= deadline) return records;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
}

inline Service make_cdc_capture(const std::string& source_url, const std::string& name,
                                const testing::Env& extra = {}) {
    testing::Env env = {{"CDC_SOURCE_URL", source_url},
                        {"CDC_SLOT", name},
                        {"CDC_PUBLICATION", name},
                        {"CDC_TRIGGER_REFRESH", "200ms"},
                        {"CDC_HEARTBEAT_INTERVAL", "1s"}};
    for (const auto& [k, v] : extra) env[k] = v;
    return make_service("cdc-capture", env);
}

// Polls the source until the publication lists `table`.
inline bool wait_published(const std::string& source_url, const std::string& publication,
                           const std::string& table, std::chrono::milliseconds timeout) {
    pg::Connection conn(source_url);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = conn.exec(
            "SELECT 1 FROM pg_publication_tables WHERE pubname = $1 "
            "AND schemaname || '.' || tablename = $2",
            {publication, table});
        if (r.rows() > 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

// The slot's confirmed position in bytes, -1 when the slot does not exist.
inline std::int64_t slot_confirmed_bytes(const std::string& source_url, const std::string& slot) {
    pg::Connection conn(source_url);
    auto r = conn.exec(
        "SELECT coalesce(pg_wal_lsn_diff(confirmed_flush_lsn, '0/0'), -1)::bigint "
        "FROM pg_replication_slots WHERE slot_name = $1",
        {slot});
    return r.rows() == 0 ? -1 : r.integer(0, 0);
}

// Creates a cdc trigger through the gateway; returns the 201 body.
inline nlohmann::json create_cdc_trigger(const std::string& name, const std::string& table,
                                         nlohmann::json operations, nlohmann::json filter) {
    nlohmann::json cdc = {{"table", table}, {"operations", std::move(operations)}};
    if (!filter.is_null()) cdc["filter"] = std::move(filter);
    auto res = api().post("/api/v1/triggers", {{"name", name}, {"type", "cdc"}, {"cdc", cdc}});
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return nlohmann::json::parse(res->body);
}

// The logged events of a trigger (payload included), as rows.
inline std::vector<nlohmann::json> logged_payloads(const std::string& trigger_id) {
    auto r = db().exec(
        "SELECT id::text, payload::text, source, trigger_type FROM events WHERE trigger_id = $1 "
        "ORDER BY triggered_at, id",
        {trigger_id});
    std::vector<nlohmann::json> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({{"id", r.text(i, 0)},
                       {"payload", nlohmann::json::parse(r.text(i, 1))},
                       {"source", r.text(i, 2)},
                       {"trigger_type", r.text(i, 3)}});
    return out;
}

inline std::size_t logged_count(const std::string& trigger_id) {
    return static_cast<std::size_t>(
        db().exec("SELECT count(*) FROM events WHERE trigger_id = $1", {trigger_id}).integer(0, 0));
}

}  // namespace etp::e2e
