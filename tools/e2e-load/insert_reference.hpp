#pragma once
// The reference rate: how fast one connection can write events into PostgreSQL the way the
// dispatcher does — batches of rows sent as one JSON array and inserted with
// INSERT ... SELECT FROM jsonb_to_recordset($1) ON CONFLICT DO NOTHING, a prepared statement,
// one transaction per batch — into a scratch table shaped like `events` (the script creates
// and drops it). Each batch's JSON is built in the loop, as the dispatcher builds it.

#include <chrono>
#include <cstdint>
#include <string>

namespace etp::bench {

struct InsertReference {
    std::uint64_t rows = 0;
    std::uint64_t batches = 0;
    double seconds = 0;
    std::int64_t batch_p50_us = 0;
    std::int64_t batch_p99_us = 0;
};

// Throws std::runtime_error on a connection or SQL error.
InsertReference measure_inserts(const std::string& database_url, const std::string& table,
                                std::size_t batch_size, std::chrono::seconds duration);

}  // namespace etp::bench
