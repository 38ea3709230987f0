#pragma once
// Values of a result fetched with ResultFormat::kBinary, in PostgreSQL's send format (network
// byte order). text, json and enum-like text columns read the same in both formats; these are
// the types whose binary form differs. Private to libs/pg.

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "etp/domain/error.hpp"
#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg::detail {

// timestamptz: microseconds since 2000-01-01 00:00:00 UTC.
inline constexpr std::int64_t kPostgresEpochMicros = 946'684'800'000'000;

[[noreturn]] inline void throw_unreadable(const char* type) {
    throw Error(ErrorKind::kInternal,
                std::string("unreadable binary ") + type + " from the database");
}

inline std::int64_t big_endian_int64(std::string_view v) {
    std::uint64_t n = 0;
    for (char c : v) n = (n << 8) | static_cast<unsigned char>(c);
    return static_cast<std::int64_t>(n);
}

inline Uuid binary_uuid(const Result& r, int row, int col) {
    std::string_view v = r.text(row, col);
    if (v.size() != 16) throw_unreadable("uuid");
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(v[i]);
    return Uuid(bytes);
}

inline Timestamp binary_timestamp(const Result& r, int row, int col) {
    std::string_view v = r.text(row, col);
    if (v.size() != 8) throw_unreadable("timestamptz");
    const std::int64_t since_2000 = big_endian_int64(v);
    // 'infinity' and '-infinity' are the extremes; no event time is either.
    if (since_2000 == std::numeric_limits<std::int64_t>::max() ||
        since_2000 == std::numeric_limits<std::int64_t>::min())
        throw_unreadable("timestamptz (infinite)");
    return Timestamp(std::chrono::microseconds(since_2000 + kPostgresEpochMicros));
}

inline std::optional<Timestamp> binary_optional_timestamp(const Result& r, int row, int col) {
    if (r.is_null(row, col)) return std::nullopt;
    return binary_timestamp(r, row, col);
}

inline bool binary_bool(const Result& r, int row, int col) {
    std::string_view v = r.text(row, col);
    if (v.size() != 1) throw_unreadable("boolean");
    return v[0] != 0;
}

}  // namespace etp::pg::detail
