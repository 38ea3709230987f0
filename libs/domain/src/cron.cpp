#include "etp/domain/cron.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

#include "etp/domain/error.hpp"

namespace etp {

namespace {

using std::chrono::seconds;

// Searching further than this gives up: an expression that matches nothing for five years
// ("0 0 30 2 *") is as good as one that never matches.
constexpr date::days kSearchLimit{5 * 366};

struct FieldSpec {
    const char* name;
    int min;
    int max;       // the largest value accepted (7 for day-of-week)
    int star_max;  // what `*` expands to (6 for day-of-week: Sunday once)
    const std::array<const char*, 13>* names;  // names[i] is the name of value i, or nullptr
    const char* names_hint;
    bool question_mark;  // `?` allowed
};

constexpr std::array<const char*, 13> kMonthNames = {
    nullptr, "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 13> kDayNames = {
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr, nullptr, nullptr, nullptr, nullptr};

constexpr FieldSpec kSecond{"second", 0, 59, 59, nullptr, "", false};
constexpr FieldSpec kMinute{"minute", 0, 59, 59, nullptr, "", false};
constexpr FieldSpec kHour{"hour", 0, 23, 23, nullptr, "", false};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, 31, nullptr, "", true};
constexpr FieldSpec kMonth{"month", 1, 12, 12, &kMonthNames, " or month name (JAN-DEC)", false};
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7, 6, &kDayNames, " or day name (SUN-SAT)", true};

[[noreturn]] void fail(const std::string& message) {
    throw Error(ErrorKind::kInvalidInput, message);
}

[[noreturn]] void fail(const FieldSpec& field, const std::string& message) {
    fail(std::string(field.name) + ": " + message);
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// A number, or a name where the field has names. `item` is only for messages.
int parse_value(std::string_view token, std::string_view item, const FieldSpec& field) {
    if (token.empty()) fail(field, quoted(item) + " is missing a value");
    if (all_digits(token)) {
        long long value = 0;
        auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
        if (ec != std::errc() || value < field.min || value > field.max)
            fail(field, std::string(token) + " is out of range " + std::to_string(field.min) + "-" +
                            std::to_string(field.max));
        return static_cast<int>(value);
    }
    if (field.names != nullptr) {
        std::string name = upper(token);
        for (std::size_t i = 0; i < field.names->size(); ++i) {
            const char* candidate = (*field.names)[i];
            if (candidate != nullptr && name == candidate) return static_cast<int>(i);
        }
    }
    fail(field, quoted(token) + " is not a number" + field.names_hint);
}

int parse_step(std::string_view text, std::string_view item, const FieldSpec& field) {
    if (text.empty()) fail(field, quoted(item) + " is missing the step after '/'");
    long long step = 0;
    if (!all_digits(text)) fail(field, "step " + quoted(text) + " is not a number");
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), step);
    if (ec != std::errc() || step < 1 || step > field.max)
        fail(field,
             "step " + std::string(text) + " is out of range 1-" + std::to_string(field.max));
    return static_cast<int>(step);
}

// Sets the bits of one list item: `*`, `?`, a value, `a-b`, each optionally with `/step`.
template <std::size_t N>
void parse_item(std::string_view item, const FieldSpec& field, std::bitset<N>& bits) {
    std::string_view base = item;
    int step = 1;
    bool has_step = false;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
        base = item.substr(0, slash);
        step = parse_step(item.substr(slash + 1), item, field);
        has_step = true;
    }
    int lo = 0;
    int hi = 0;
    if (base == "*" || base == "?") {
        if (base == "?" && !field.question_mark)
            fail(field, "'?' is only allowed in day-of-month and day-of-week");
        lo = field.min;
        hi = field.star_max;
    } else if (auto dash = base.find('-'); dash != std::string_view::npos) {
        std::string_view first = base.substr(0, dash);
        std::string_view last = base.substr(dash + 1);
        lo = parse_value(first, item, field);
        hi = parse_value(last, item, field);
        // "FRI-SUN": a range may end on Sunday written as a name.
        if (field.names == &kDayNames && hi == 0 && lo > 0 && !all_digits(last)) hi = 7;
        if (hi < lo) fail(field, "range " + std::string(base) + " ends before it starts");
    } else {
        lo = parse_value(base, item, field);
        hi = has_step ? field.star_max : lo;  // "a/n" runs from a to the end of the field
        if (hi < lo) hi = lo;
    }
    for (int v = lo; v <= hi; v += step)
        bits.set(static_cast<std::size_t>(v % static_cast<int>(N)));
}

// Parses one field; returns whether it restricts anything (is not exactly `*` or `?`).
template <std::size_t N>
bool parse_field(std::string_view text, const FieldSpec& field, std::bitset<N>& bits) {
    std::size_t start = 0;
    while (true) {
        std::size_t comma = text.find(',', start);
        std::string_view item = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (item.empty()) fail(field, "empty item in list " + quoted(text));
        parse_item(item, field, bits);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return text != "*" && text != "?";
}

std::string_view expand_macro(std::string_view text) {
    std::string name = upper(text);
    if (name == "@YEARLY" || name == "@ANNUALLY") return "0 0 1 1 *";
    if (name == "@MONTHLY") return "0 0 1 * *";
    if (name == "@WEEKLY") return "0 0 * * 0";
    if (name == "@DAILY" || name == "@MIDNIGHT") return "0 0 * * *";
    if (name == "@HOURLY") return "0 * * * *";
    fail("unknown macro " + quoted(text) +
         "; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly");
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::vector<std::string_view> split_fields(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) ++i;
        std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        if (i > start) fields.push_back(text.substr(start, i - start));
    }
    return fields;
}

unsigned last_day(int year, unsigned month) {
    return static_cast<unsigned>(
        date::year_month_day_last(date::year(year), date::month_day_last(date::month(month)))
            .day());
}

template <std::size_t N>
int next_set(const std::bitset<N>& bits, int from) {
    for (int i = from; i < static_cast<int>(N); ++i)
        if (bits.test(static_cast<std::size_t>(i))) return i;
    return -1;
}

bool day_matches(const CronExpr& cron, const date::year_month_day& ymd) {
    bool dom = cron.days_of_month().test(static_cast<unsigned>(ymd.day()));
    bool dow = cron.days_of_week().test(date::weekday(date::local_days(ymd)).c_encoding());
    if (cron.day_of_month_restricted() && cron.day_of_week_restricted()) return dom || dow;
    return dom && dow;  // an unrestricted field has every bit set
}

// The first wall-clock time at or after `from` that matches, or nullopt once the search passes
// `limit`. Skips whole months, days, hours and minutes that cannot match.
std::optional<date::local_seconds> next_local_match(const CronExpr& cron, date::local_seconds from,
                                                    date::local_days limit) {
    const date::local_days first_day = date::floor<date::days>(from);
    const date::year_month_day start{first_day};
    const date::hh_mm_ss<seconds> tod{from - first_day};
    int y = static_cast<int>(start.year());
    unsigned mo = static_cast<unsigned>(start.month());
    unsigned d = static_cast<unsigned>(start.day());
    int h = static_cast<int>(tod.hours().count());
    int mi = static_cast<int>(tod.minutes().count());
    int s = static_cast<int>(tod.seconds().count());
    while (true) {
        // Carry overflowing fields into the next larger one.
        if (s >= 60) {
            s = 0;
            ++mi;
        }
        if (mi >= 60) {
            mi = 0;
            ++h;
        }
        if (h >= 24) {
            h = 0;
            ++d;
        }
        if (mo > 12) {  // only from skipping a month below, with d == 1
            mo = 1;
            ++y;
        }
        if (d > last_day(y, mo)) {
            d = 1;
            if (++mo > 12) {
                mo = 1;
                ++y;
            }
        }
        const date::year_month_day ymd{date::year(y), date::month(mo), date::day(d)};
        if (date::local_days(ymd) > limit) return std::nullopt;
        // Each check below either skips to the start of the next candidate (and loops to carry)
        // or moves within its field to the first match, restarting the smaller fields.
        if (!cron.months().test(mo)) {
            ++mo;
            d = 1;
            h = mi = s = 0;
            continue;
        }
        if (!day_matches(cron, ymd)) {
            ++d;
            h = mi = s = 0;
            continue;
        }
        if (int next = next_set(cron.hours(), h); next != h) {
            h = next < 0 ? 24 : next;
            mi = s = 0;
            if (next < 0) continue;
        }
        if (int next = next_set(cron.minutes(), mi); next != mi) {
            mi = next < 0 ? 60 : next;
            s = 0;
            if (next < 0) continue;
        }
        if (int next = next_set(cron.seconds(), s); next != s) {
            s = next < 0 ? 60 : next;
            if (next < 0) continue;
        }
        return date::local_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
               seconds(s);
    }
}

}  // namespace

CronExpr CronExpr::parse(std::string_view text) {
    CronExpr cron;
    cron.text_ = std::string(text);
    std::vector<std::string_view> fields = split_fields(text);
    if (fields.empty()) fail("cron expression is empty");
    if (fields.size() == 1 && fields[0].starts_with('@'))
        fields = split_fields(expand_macro(fields[0]));
    if (fields.size() != 5 && fields.size() != 6)
        fail(
            "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), "
            "got " +
            std::to_string(fields.size()));
    std::size_t i = 0;
    if (fields.size() == 6)
        parse_field(fields[i++], kSecond, cron.seconds_);
    else
        cron.seconds_.set(0);
    parse_field(fields[i++], kMinute, cron.minutes_);
    parse_field(fields[i++], kHour, cron.hours_);
    cron.day_of_month_restricted_ = parse_field(fields[i++], kDayOfMonth, cron.days_of_month_);
    parse_field(fields[i++], kMonth, cron.months_);
    cron.day_of_week_restricted_ = parse_field(fields[i++], kDayOfWeek, cron.days_of_week_);
    return cron;
}

std::optional<std::chrono::sys_seconds> CronExpr::next_after(std::chrono::sys_seconds after,
                                                             const date::time_zone* zone) const {
    const date::local_seconds local_after =
        zone != nullptr ? zone->to_local(after) : date::local_seconds(after.time_since_epoch());
    const date::local_days limit = date::floor<date::days>(local_after) + kSearchLimit;
    date::local_seconds from = local_after + std::chrono::seconds(1);
    while (true) {
        std::optional<date::local_seconds> match = next_local_match(*this, from, limit);
        if (!match) return std::nullopt;
        if (zone == nullptr) return std::chrono::sys_seconds(match->time_since_epoch());
        const date::local_info info = zone->get_info(*match);
        std::chrono::sys_seconds at;
        date::local_seconds resume = *match + std::chrono::seconds(1);
        switch (info.result) {
            case date::local_info::unique:
                at = std::chrono::sys_seconds(match->time_since_epoch()) - info.first.offset;
                break;
            case date::local_info::nonexistent:
                // Inside the spring-forward gap: fire when the clock jumps; the rest of the gap
                // maps to the same instant.
                at = info.second.begin;
                resume = date::local_seconds(
                    (info.second.begin + info.second.offset).time_since_epoch());
                break;
            case date::local_info::ambiguous:
                // Fall-back: only the first occurrence fires. If that is not after `after`, no
                // other time in the repeated range is either.
                at = std::chrono::sys_seconds(match->time_since_epoch()) - info.first.offset;
                resume =
                    date::local_seconds((info.first.end + info.first.offset).time_since_epoch());
                break;
        }
        if (at > after) return at;
        from = std::max(*match + std::chrono::seconds(1), resume);
    }
}

}  // namespace etp
