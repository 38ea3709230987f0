#include "insert_reference.hpp"

#include <libpq-fe.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include "common.hpp"

namespace etp::bench {
namespace {

struct ConnClose {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct ResultClear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnClose>;
using Result = std::unique_ptr<PGresult, ResultClear>;

void expect(const Result& r, ExecStatusType status, const char* what) {
    if (!r || PQresultStatus(r.get()) != status)
        throw std::runtime_error(std::string(what) + ": " +
                                 (r ? PQresultErrorMessage(r.get()) : "no result"));
}

// A UUID version 7 (Unix milliseconds, then random bits), as the platform's event ids are:
// time-ordered ids keep the primary key's inserts at the right edge of the index.
std::string uuid_v7(std::mt19937_64& rng) {
    auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
    std::uint64_t hi = (ms << 16) | 0x7000 | (rng() & 0x0FFF);
    std::uint64_t lo = (rng() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    char buf[37];
    std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                  static_cast<unsigned long long>(hi >> 32),
                  static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                  static_cast<unsigned long long>(hi & 0xFFFF),
                  static_cast<unsigned long long>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return buf;
}

std::string rfc3339_now() {
    using namespace std::chrono;
    auto t = time_point_cast<microseconds>(system_clock::now());
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss<microseconds> hms{t - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    return buf;
}

// The rows of one batch, field for field what the dispatcher sends for api firings.
std::string batch_json(std::size_t rows, const std::string& trigger_id, std::mt19937_64& rng) {
    nlohmann::json out = nlohmann::json::array();
    std::string now = rfc3339_now();
    for (std::size_t i = 0; i < rows; ++i) {
        out.push_back({{"id", uuid_v7(rng)},
                       {"trigger_id", trigger_id},
                       {"trigger_name", "bench insert reference"},
                       {"trigger_type", "api"},
                       {"source", "api"},
                       {"is_test", false},
                       {"payload", {{"amount", 12.5}, {"currency", "EUR"}}},
                       {"scheduled_for", nullptr},
                       {"triggered_at", now}});
    }
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

InsertReference measure_inserts(const std::string& database_url, const std::string& table,
                                std::size_t batch_size, std::chrono::seconds duration) {
    for (char c : table)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            throw std::runtime_error("the scratch table name must be a plain identifier");
    Conn conn(PQconnectdb(database_url.c_str()));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
        throw std::runtime_error(std::string("cannot connect to PostgreSQL: ") +
                                 (conn ? PQerrorMessage(conn.get()) : "out of memory"));
    // The statement of libs/pg/src/event_store.cpp (kInsertEventRows), on the scratch table.
    const std::string sql = "INSERT INTO " + table + R"( (id, trigger_id, trigger_name,
                        trigger_type, source, is_test, payload, scheduled_for, triggered_at)
    SELECT id, trigger_id, trigger_name, trigger_type, source, is_test,
           coalesce(payload, 'null'::json), scheduled_for, triggered_at
    FROM json_to_recordset($1::json) AS x(
        id uuid, trigger_id uuid, trigger_name text, trigger_type text, source text,
        is_test boolean, payload json, scheduled_for timestamptz, triggered_at timestamptz)
    ON CONFLICT (id, triggered_at) DO NOTHING)";
    expect(Result(PQprepare(conn.get(), "insert_rows", sql.c_str(), 1, nullptr)), PGRES_COMMAND_OK,
           "PREPARE");

    std::mt19937_64 rng(std::random_device{}());
    const std::string trigger_id = uuid_v7(rng);
    std::vector<std::int64_t> batch_us;
    InsertReference ref;
    auto start = std::chrono::steady_clock::now();
    auto end = start + duration;
    auto now = start;
    while (now < end) {
        auto batch_start = now;
        std::string rows = batch_json(batch_size, trigger_id, rng);
        const char* params[] = {rows.c_str()};
        Result r(PQexecPrepared(conn.get(), "insert_rows", 1, params, nullptr, nullptr, 0));
        expect(r, PGRES_COMMAND_OK, "INSERT");
        ref.rows += std::strtoull(PQcmdTuples(r.get()), nullptr, 10);
        ++ref.batches;
        now = std::chrono::steady_clock::now();
        batch_us.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(now - batch_start).count());
    }
    ref.seconds = std::chrono::duration<double>(now - start).count();
    ref.batch_p50_us = quantile(batch_us, 0.50);
    ref.batch_p99_us = quantile(batch_us, 0.99);
    return ref;
}

}  // namespace etp::bench
