#pragma once
// Timestamps cross the SQL boundary as integer microseconds since the Unix epoch: exact, and
// independent of the session's TimeZone and DateStyle. Private to libs/pg.

#include <optional>
#include <string>
#include <string_view>

#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg::detail {

// "(extract(epoch from <column>) * 1000000)::bigint AS <alias>"
inline std::string micros_of(std::string_view column, std::string_view alias) {
    return "(extract(epoch from " + std::string(column) + ") * 1000000)::bigint AS " +
           std::string(alias);
}

inline Timestamp from_micros(std::int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

inline std::optional<Timestamp> optional_micros(const Result& r, int row, std::string_view col) {
    if (r.is_null(row, col)) return std::nullopt;
    return from_micros(r.integer(row, col));
}

}  // namespace etp::pg::detail
