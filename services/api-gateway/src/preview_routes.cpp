// Trying parts of a definition before saving it: the next fire times of a schedule, and whether
// a cdc filter matches a sample change. Nothing is stored or fired; both answer from the same
// domain code that the scheduler and cdc-capture run (SchedulePlan, FilterPattern).
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "etp/domain/error.hpp"
#include "etp/domain/filter_pattern.hpp"
#include "etp/domain/schedule_preview.hpp"
#include "etp/domain/time.hpp"
#include "etp/domain/trigger.hpp"
#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {
namespace {

using nlohmann::json;

constexpr std::int64_t kDefaultPreviewCount = 5;
constexpr std::int64_t kMaxPreviewCount = 100;

// A key as a JSON pointer token (RFC 6901): '~' is "~0" and '/' is "~1".
std::string pointer_token(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

// Every key of `body` that is not in `known` as an "unknown field" problem.
template <std::size_t N>
void reject_unknown(const json& body, const std::array<std::string_view, N>& known,
                    const std::string& pointer, std::vector<FieldError>& errors) {
    for (const auto& [key, value] : body.items())
        if (std::find(known.begin(), known.end(), key) == known.end())
            errors.push_back({pointer + "/" + pointer_token(key), "unknown field"});
}

json preview(const json& body) {
    std::vector<FieldError> errors;
    if (!body.is_object())
        throw ValidationError(std::vector<FieldError>{{"", "must be a JSON object"}});
    reject_unknown(body, std::array<std::string_view, 3>{"schedule", "count", "after"}, "", errors);
    std::optional<Schedule> schedule;
    if (auto it = body.find("schedule"); it == body.end())
        errors.push_back({"/schedule", "is required"});
    else if (!it->is_object())
        errors.push_back({"/schedule", "must be an object"});
    else
        schedule = parse_schedule(*it, "/schedule", errors);
    std::int64_t count = kDefaultPreviewCount;
    if (auto it = body.find("count"); it != body.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
            it->get<std::int64_t>() > kMaxPreviewCount)
            errors.push_back({"/count", "must be an integer from 1 to 100"});
        else
            count = it->get<std::int64_t>();
    }
    Timestamp after = now_utc();
    if (auto it = body.find("after"); it != body.end()) {
        std::optional<Timestamp> parsed;
        if (it->is_string()) parsed = parse_rfc3339(it->get<std::string>());
        if (parsed)
            after = *parsed;
        else
            errors.push_back({"/after", "must be an RFC 3339 timestamp"});
    }
    if (!errors.empty() || !schedule) throw ValidationError(std::move(errors));

    json times = json::array();
    for (const auto& slot : preview_schedule(*schedule, after, static_cast<std::size_t>(count)))
        times.push_back({{"at", format_rfc3339(slot.at)}, {"local", slot.local}});
    return {{"timezone", schedule->timezone}, {"after", format_rfc3339(after)}, {"times", times}};
}

// A row image: an object of columns, or null (no such image: before of an insert).
void check_row(const json& change, const char* key, std::vector<FieldError>& errors) {
    auto it = change.find(key);
    if (it != change.end() && !it->is_object() && !it->is_null())
        errors.push_back({std::string("/change/") + key, "must be an object of columns or null"});
}

json test_filter(const json& body) {
    std::vector<FieldError> errors;
    if (!body.is_object())
        throw ValidationError(std::vector<FieldError>{{"", "must be a JSON object"}});
    reject_unknown(body, std::array<std::string_view, 3>{"filter", "change", "operations"}, "",
                   errors);
    std::optional<FilterPattern> filter;
    auto filter_it = body.find("filter");
    if (filter_it == body.end()) {
        errors.push_back({"/filter", "is required (null matches every change)"});
    } else if (!filter_it->is_null()) {
        try {
            filter = FilterPattern::parse(*filter_it, "/filter");
        } catch (const ValidationError& e) {
            errors.insert(errors.end(), e.errors().begin(), e.errors().end());
        }
    }
    json document;
    auto change_it = body.find("change");
    if (change_it == body.end()) {
        errors.push_back({"/change", "is required"});
    } else if (!change_it->is_object()) {
        errors.push_back({"/change", "must be an object with op, before and after"});
    } else {
        const json& change = *change_it;
        reject_unknown(change, std::array<std::string_view, 4>{"op", "table", "before", "after"},
                       "/change", errors);
        auto op = change.find("op");
        if (op == change.end() || !op->is_string() || (*op != "c" && *op != "u" && *op != "d"))
            errors.push_back({"/change/op",
                              "must be \"c\" (insert), \"u\" (update) or \"d\" "
                              "(delete)"});
        auto table = change.find("table");
        if (table != change.end() && !table->is_string())
            errors.push_back({"/change/table", "must be a string such as \"public.orders\""});
        check_row(change, "before", errors);
        check_row(change, "after", errors);
        // The same shape cdc-capture matches (filter_document): op, table, before, after.
        document = {{"op", op != change.end() ? *op : json()},
                    {"table", table != change.end() ? *table : json()},
                    {"before", change.value("before", json())},
                    {"after", change.value("after", json())}};
    }
    std::optional<std::vector<std::string>> operations;
    if (auto it = body.find("operations"); it != body.end()) {
        bool ok = it->is_array();
        if (ok) {
            operations.emplace();
            for (const auto& o : *it) {
                if (!o.is_string() || (o != "insert" && o != "update" && o != "delete")) {
                    ok = false;
                    break;
                }
                operations->push_back(o.get<std::string>());
            }
        }
        if (!ok)
            errors.push_back(
                {"/operations", "must be an array of \"insert\", \"update\", \"delete\""});
    }
    if (!errors.empty()) throw ValidationError(std::move(errors));

    const bool filter_matches = !filter || filter->matches(document);
    bool operation_matches = true;
    if (operations) {
        const std::string op = document["op"];
        const std::string name = op == "c" ? "insert" : op == "u" ? "update" : "delete";
        operation_matches =
            std::find(operations->begin(), operations->end(), name) != operations->end();
    }
    return {{"matches", filter_matches && operation_matches},
            {"filter_matches", filter_matches},
            {"operation_matches", operation_matches}};
}

}  // namespace

void add_preview_routes(HttpServer& server) {
    server.post("/api/v1/schedules/preview", Scope::kRead,
                [](const net::Request& req, net::Response& res) {
                    reply_json(res, 200, preview(json_body(req)));
                });
    server.post("/api/v1/filters/test", Scope::kRead,
                [](const net::Request& req, net::Response& res) {
                    reply_json(res, 200, test_filter(json_body(req)));
                });
}

}  // namespace etp::gateway
