#include "etp/pg/pg_value.hpp"

#include <array>
#include <charconv>
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

}  // namespace etp::pg
