#include "etp/pg/pg_value.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>

#include "etp/domain/time.hpp"

namespace etp::pg {
namespace {

using nlohmann::json;

// Built-in type OIDs (pg_type.dat); stable across server versions.
namespace oid {
constexpr std::uint32_t kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21,
                        kInt4 = 23, kText = 25, kOid = 26, kXid = 28, kJson = 114, kFloat4 = 700,
                        kFloat8 = 701, kMoney = 790, kBpchar = 1042, kVarchar = 1043, kDate = 1082,
                        kTime = 1083, kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186,
                        kTimetz = 1266, kNumeric = 1700, kUuid = 2950, kJsonb = 3802;
}  // namespace oid

// array type → element type. Checked against a live server's pg_type by an integration test.
constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 25> kArrayTypes{{
    {1000, oid::kBool},   {1001, oid::kBytea},       {1002, oid::kChar},      {1003, oid::kName},
    {1005, oid::kInt2},   {1007, oid::kInt4},        {1009, oid::kText},      {1011, oid::kXid},
    {1014, oid::kBpchar}, {1015, oid::kVarchar},     {1016, oid::kInt8},      {1021, oid::kFloat4},
    {1022, oid::kFloat8}, {1028, oid::kOid},         {1115, oid::kTimestamp}, {1182, oid::kDate},
    {1183, oid::kTime},   {1185, oid::kTimestamptz}, {1187, oid::kInterval},  {1231, oid::kNumeric},
    {1270, oid::kTimetz}, {199, oid::kJson},         {2951, oid::kUuid},      {3807, oid::kJsonb},
    {791, oid::kMoney},
}};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_digit(c)) return false;
    return true;
}

json integer_or_string(std::string_view text) {
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) return json(std::string(text));
    return json(v);
}

json float_or_string(std::string_view text) {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    // from_chars also reads "nan" and "inf"; JSON has no such numbers, so those stay the
    // strings PostgreSQL printed ("NaN", "Infinity", "-Infinity").
    if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) {
        return json(std::string(text));
    }
    return json(v);
}

json bool_or_string(std::string_view text) {
    if (text == "t") return json(true);
    if (text == "f") return json(false);
    return json(std::string(text));
}

// Splits PostgreSQL's ISO output "YYYY-MM-DD HH:MM:SS[.ffffff]<rest>" into date, time (with
// fraction) and the rest (zone, " BC"). Only four-digit years: other years are not RFC 3339.
struct DateTimeParts {
    std::string_view date, time, rest;
};
std::optional<DateTimeParts> split_iso_datetime(std::string_view s) {
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
        s[16] != ':') {
        return std::nullopt;
    }
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
        if (!is_digit(s[i])) return std::nullopt;
    }
    std::size_t end = 19;
    if (end < s.size() && s[end] == '.') {
        ++end;
        const std::size_t digits_from = end;
        while (end < s.size() && is_digit(s[end])) ++end;
        if (end == digits_from) return std::nullopt;
    }
    return DateTimeParts{s.substr(0, 10), s.substr(11, end - 11), s.substr(end)};
}

// "+00", "+00:00", "-00:00:00" and the like.
bool is_zero_offset(std::string_view zone) noexcept {
    if (zone.size() < 3 || (zone[0] != '+' && zone[0] != '-')) return false;
    for (std::size_t i = 1; i < zone.size(); ++i) {
        const bool colon_slot = (i % 3) == 0;
        if (colon_slot ? zone[i] != ':' : zone[i] != '0') return false;
    }
    return zone.size() % 3 == 0;  // sign + pairs of digits separated by colons
}

json timestamptz_to_json(std::string_view text) {
    const auto parts = split_iso_datetime(text);
    if (!parts) return json(std::string(text));  // infinity, -infinity, BC, odd years
    if (is_zero_offset(parts->rest)) {
        // The common case under TimeZone=UTC: rewrite without re-parsing, so the value keeps
        // exactly the precision PostgreSQL printed.
        std::string out;
        out.reserve(text.size() + 1);
        out.append(parts->date).append("T").append(parts->time).append("Z");
        return json(std::move(out));
    }
    // Another offset (a session that did not get TimeZone=UTC): convert to UTC.
    if (const auto t = parse_rfc3339(text)) return json(format_rfc3339(*t));
    return json(std::string(text));
}

json timestamp_to_json(std::string_view text) {
    const auto parts = split_iso_datetime(text);
    if (!parts || !parts->rest.empty()) return json(std::string(text));
    std::string out;
    out.reserve(text.size());
    out.append(parts->date).append("T").append(parts->time);
    return json(std::move(out));
}

json json_or_string(std::string_view text) {
    json parsed = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return json(std::string(text));
    return parsed;
}

json scalar_to_json(std::uint32_t type_oid, std::string_view text) {
    switch (type_oid) {
        case oid::kInt2:
        case oid::kInt4:
        case oid::kInt8:
        case oid::kOid:
        case oid::kXid:
            return integer_or_string(text);
        case oid::kFloat4:
        case oid::kFloat8:
            return float_or_string(text);
        case oid::kBool:
            return bool_or_string(text);
        case oid::kTimestamptz:
            return timestamptz_to_json(text);
        case oid::kTimestamp:
            return timestamp_to_json(text);
        case oid::kJson:
        case oid::kJsonb:
            return json_or_string(text);
        default:
            return json(std::string(text));
    }
}

// PostgreSQL's array output (array_out): '{' elements separated by ',' '}', nested braces for
// more dimensions, elements double-quoted when they contain special characters (with '\'
// escaping '"' and '\'), unquoted NULL for SQL NULL, and a "[lo:hi]...=" prefix when a lower
// bound is not 1. Any deviation makes the whole value stay a string.
class ArrayParser {
 public:
    ArrayParser(std::string_view text, std::uint32_t element_type)
        : s_(text), element_type_(element_type) {}

    std::optional<json> parse() {
        if (!skip_dimensions()) return std::nullopt;
        auto out = parse_array(1);
        if (!out || pos_ != s_.size()) return std::nullopt;
        return out;
    }

 private:
    static constexpr int kMaxDimensions = 6;  // PostgreSQL's MAXDIM

    // "[0:1]" or "[-2:3][1:2]" followed by '='.
    bool skip_dimensions() {
        if (pos_ >= s_.size() || s_[pos_] != '[') return true;
        while (pos_ < s_.size() && s_[pos_] == '[') {
            const auto close = s_.find(']', pos_);
            if (close == std::string_view::npos) return false;
            const auto inside = s_.substr(pos_ + 1, close - pos_ - 1);
            const auto colon = inside.find(':');
            if (colon == std::string_view::npos) return false;
            if (!is_bound(inside.substr(0, colon)) || !is_bound(inside.substr(colon + 1))) {
                return false;
            }
            pos_ = close + 1;
        }
        if (pos_ >= s_.size() || s_[pos_] != '=') return false;
        ++pos_;
        return true;
    }

    static bool is_bound(std::string_view b) noexcept {
        if (!b.empty() && (b[0] == '-' || b[0] == '+')) b.remove_prefix(1);
        return all_digits(b);
    }

    std::optional<json> parse_array(int depth) {
        if (depth > kMaxDimensions || pos_ >= s_.size() || s_[pos_] != '{') return std::nullopt;
        ++pos_;
        json out = json::array();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            return out;
        }
        while (pos_ < s_.size()) {
            if (s_[pos_] == '{') {
                auto inner = parse_array(depth + 1);
                if (!inner) return std::nullopt;
                out.push_back(std::move(*inner));
            } else if (s_[pos_] == '"') {
                auto element = quoted();
                if (!element) return std::nullopt;
                out.push_back(scalar_to_json(element_type_, *element));
            } else {
                const auto end = s_.find_first_of(",}", pos_);
                if (end == std::string_view::npos || end == pos_) return std::nullopt;
                const auto element = s_.substr(pos_, end - pos_);
                if (element.find_first_of("{\"\\") != std::string_view::npos) return std::nullopt;
                pos_ = end;
                if (is_null(element)) {
                    out.push_back(nullptr);
                } else {
                    out.push_back(scalar_to_json(element_type_, element));
                }
            }
            if (pos_ >= s_.size()) return std::nullopt;
            if (s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (s_[pos_] == '}') {
                ++pos_;
                return out;
            }
            return std::nullopt;
        }
        return std::nullopt;
    }

    std::optional<std::string> quoted() {
        ++pos_;  // opening quote
        std::string out;
        while (pos_ < s_.size()) {
            const char c = s_[pos_++];
            if (c == '"') return out;
            if (c == '\\') {
                if (pos_ >= s_.size()) return std::nullopt;
                out.push_back(s_[pos_++]);
            } else {
                out.push_back(c);
            }
        }
        return std::nullopt;  // unterminated
    }

    static bool is_null(std::string_view e) noexcept {
        if (e.size() != 4) return false;
        constexpr std::string_view kNull = "NULL";
        for (std::size_t i = 0; i < 4; ++i) {
            const char c = (e[i] >= 'a' && e[i] <= 'z') ? static_cast<char>(e[i] - 32) : e[i];
            if (c != kNull[i]) return false;
        }
        return true;
    }

    std::string_view s_;
    std::uint32_t element_type_;
    std::size_t pos_ = 0;
};

// Debezium's encodings (append_value_debezium_json).

int two_digits(std::string_view s, std::size_t at) {
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// "HH:MM:SS[.f…]" (at most six fraction digits) → microseconds of the day; 24:00:00 allowed.
std::optional<std::int64_t> micros_of_day(std::string_view t) {
    if (t.size() < 8 || t[2] != ':' || t[5] != ':') return std::nullopt;
    for (std::size_t i : {0, 1, 3, 4, 6, 7})
        if (!is_digit(t[i])) return std::nullopt;
    const int h = two_digits(t, 0), m = two_digits(t, 3), s = two_digits(t, 6);
    if (h > 24 || m > 59 || s > 60) return std::nullopt;
    std::int64_t micros = ((h * 60LL + m) * 60 + s) * 1000000;
    if (t.size() > 8) {
        const auto fraction = t.substr(9);
        if (t[8] != '.' || fraction.size() > 6 || !all_digits(fraction)) return std::nullopt;
        std::int64_t f = 0;
        for (char c : fraction) f = f * 10 + (c - '0');
        for (auto n = fraction.size(); n < 6; ++n) f *= 10;
        micros += f;
    }
    return micros;
}

// "YYYY-MM-DD" → days since 1970-01-01.
std::optional<std::int64_t> epoch_days(std::string_view d) {
    if (d.size() != 10 || d[4] != '-' || d[7] != '-') return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!is_digit(d[i])) return std::nullopt;
    const std::chrono::year_month_day ymd{
        std::chrono::year{two_digits(d, 0) * 100 + two_digits(d, 2)},
        std::chrono::month{static_cast<unsigned>(two_digits(d, 5))},
        std::chrono::day{static_cast<unsigned>(two_digits(d, 8))}};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days(ymd).time_since_epoch().count();
}

// time(p)/timestamp(p) with p of 0 to 3 are millisecond types in Debezium's adaptive mode.
bool millisecond_precision(std::int32_t type_modifier) {
    return type_modifier >= 0 && type_modifier <= 3;
}

// "\x0a1B…" (bytea_output=hex) → base64; nullopt for any other form.
std::optional<std::string> hex_to_base64(std::string_view text) {
    if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0)
        return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string bytes;
    bytes.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i < text.size(); i += 2) {
        const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        bytes.push_back(static_cast<char>(hi * 16 + lo));
    }
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const auto b = [&](std::size_t k) {
            return k < bytes.size() ? static_cast<unsigned char>(bytes[k]) : 0u;
        };
        const unsigned n = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
    }
    return out;
}

}  // namespace

std::optional<std::uint32_t> array_element_type(std::uint32_t array_type_oid) {
    for (const auto& [array, element] : kArrayTypes) {
        if (array == array_type_oid) return element;
    }
    return std::nullopt;
}

json value_to_json(std::uint32_t type_oid, std::string_view text) {
    if (const auto element = array_element_type(type_oid)) {
        if (auto parsed = ArrayParser(text, *element).parse()) return std::move(*parsed);
        return json(std::string(text));
    }
    return scalar_to_json(type_oid, text);
}

void append_json_string(std::string& out, std::string_view s) {
    bool ascii = true;
    for (unsigned char c : s)
        if (c >= 0x80) {
            ascii = false;
            break;
        }
    if (!ascii) {
        // nlohmann validates UTF-8; replace keeps invalid bytes from throwing.
        out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
        return;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += "\\u00";
                    out += kHex[(c >> 4) & 0xf];
                    out += kHex[c & 0xf];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void append_value_json(std::string& out, std::uint32_t type_oid, std::string_view text) {
    switch (type_oid) {
        case oid::kInt2:
        case oid::kInt4:
        case oid::kInt8:
        case oid::kOid:
        case oid::kXid: {
            const auto digits = !text.empty() && text[0] == '-' ? text.substr(1) : text;
            // A plain decimal integer is its own JSON text (no leading zeros in PostgreSQL's
            // output); anything else goes the general way.
            if (all_digits(digits) && (digits.size() == 1 || digits[0] != '0')) {
                out += text;
                return;
            }
            break;
        }
        case oid::kBool:
            if (text == "t") {
                out += "true";
                return;
            }
            if (text == "f") {
                out += "false";
                return;
            }
            break;
        case oid::kNumeric:
        case oid::kMoney:
        case oid::kText:
        case oid::kVarchar:
        case oid::kBpchar:
        case oid::kName:
        case oid::kUuid:
        case oid::kChar:
        case oid::kBytea:
            append_json_string(out, text);
            return;
        case oid::kJsonb:
            // jsonb's output is always valid JSON.
            out += text;
            return;
        default:
            break;
    }
    out += value_to_json(type_oid, text).dump(-1, ' ', false, json::error_handler_t::replace);
}

void append_value_debezium_json(std::string& out, std::uint32_t type_oid,
                                std::int32_t type_modifier, std::string_view text) {
    switch (type_oid) {
        case oid::kTimestamp: {
            const auto parts = split_iso_datetime(text);
            if (!parts || !parts->rest.empty()) break;
            const auto days = epoch_days(parts->date);
            const auto micros = micros_of_day(parts->time);
            if (!days || !micros) break;
            const std::int64_t value = *days * 86400000000LL + *micros;
            // Integer division truncates toward zero; epoch milliseconds floor.
            const std::int64_t millis = value / 1000 - (value % 1000 < 0 ? 1 : 0);
            out += std::to_string(millisecond_precision(type_modifier) ? millis : value);
            return;
        }
        case oid::kDate:
            if (const auto days = epoch_days(text)) {
                out += std::to_string(*days);
                return;
            }
            break;
        case oid::kTime:
            if (const auto micros = micros_of_day(text)) {
                out +=
                    std::to_string(millisecond_precision(type_modifier) ? *micros / 1000 : *micros);
                return;
            }
            break;
        case oid::kJson:
        case oid::kJsonb:
            append_json_string(out, text);
            return;
        case oid::kBytea:
            if (const auto base64 = hex_to_base64(text)) {
                out += '"';
                out += *base64;
                out += '"';
                return;
            }
            break;
        default:
            break;
    }
    append_value_json(out, type_oid, text);
}

}  // namespace etp::pg
