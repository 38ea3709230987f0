#include "etp/pg/page_cursor.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>

namespace etp::pg::detail {

namespace {
constexpr std::int64_t kLastCursorMicros = 253'402'300'799'999'999;  // 9999-12-31T23:59:59.999999Z
}  // namespace

std::string encode_page_cursor(Timestamp at, const Uuid& id) {
    return std::to_string(at.time_since_epoch().count()) + "_" + id.to_string();
}

std::optional<std::pair<Timestamp, Uuid>> decode_page_cursor(std::string_view text) {
    std::size_t sep = text.find('_');
    if (sep == std::string_view::npos || sep == 0 || sep > 20) return std::nullopt;
    std::int64_t micros = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + sep, micros);
    if (ec != std::errc{} || ptr != text.data() + sep || micros < 0) return std::nullopt;
    // Past 9999-12-31T23:59:59.999999Z the time has no RFC 3339 form (and near INT64_MAX
    // turning it into a date overflows): no item is ever there.
    if (micros > kLastCursorMicros) return std::nullopt;
    auto id = Uuid::parse(text.substr(sep + 1));
    if (!id) return std::nullopt;
    return std::pair{Timestamp(std::chrono::microseconds(micros)), *id};
}

}  // namespace etp::pg::detail
