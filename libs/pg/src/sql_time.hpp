#pragma once
// Timestamps cross the SQL boundary as integer microseconds since the Unix epoch (exact, and
// independent of the session's TimeZone and DateStyle), or, on hot reads, as the column's own
// text: PostgreSQL's ISO output carries its offset, and every Connection asks for DateStyle ISO.
// The text costs the server a quarter of what extract(epoch ...) costs (numeric arithmetic per
// value), which is most of a 100-event listing. Private to libs/pg.

#include <optional>
#include <string>
#include <string_view>

#include "etp/domain/error.hpp"
#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg::detail {

// "(extract(epoch from <column>) * 1000000)::bigint AS <alias>"
inline std::string micros_of(std::string_view column, std::string_view alias) {
    return "(extract(epoch from " + std::string(column) + ") * 1000000)::bigint AS " +
           std::string(alias);
}

inline Timestamp from_micros(std::int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

inline std::int64_t micros(Timestamp t) { return t.time_since_epoch().count(); }

// The other way in: SQL for the timestamptz whose microseconds since the epoch are `micros_sql`
// (a bigint column or parameter, e.g. "$1::bigint"), exactly.
inline std::string timestamp_of(std::string_view micros_sql) {
    return "('epoch'::timestamptz + " + std::string(micros_sql) + " * interval '1 microsecond')";
}

inline std::optional<Timestamp> optional_micros(const Result& r, int row, std::string_view col) {
    if (r.is_null(row, col)) return std::nullopt;
    return from_micros(r.integer(row, col));
}

// A timestamptz column selected as it is ("triggered_at"), read from its text.
inline Timestamp timestamp_at(const Result& r, int row, int col) {
    auto t = parse_rfc3339(r.text(row, col));
    if (!t) throw Error(ErrorKind::kInternal, "unreadable timestamp from the database");
    return *t;
}

inline std::optional<Timestamp> optional_timestamp_at(const Result& r, int row, int col) {
    if (r.is_null(row, col)) return std::nullopt;
    return timestamp_at(r, row, col);
}

}  // namespace etp::pg::detail
