// Trying parts of a definition before saving it: the next fire times of a schedule, and whether
// a cdc filter matches a sample change. Nothing is stored or fired; both answer from the same
// domain code that the scheduler and cdc-capture run (SchedulePlan, FilterPattern).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "etp/domain/error.hpp"
#include "etp/domain/filter_pattern.hpp"
#include "etp/domain/json_reader.hpp"
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

json preview(const json& body) {
    std::vector<FieldError> errors;
    detail::JsonReader r(body, "", errors);
    if (!r.is_object()) throw ValidationError(std::move(errors));
    std::optional<Schedule> schedule;
    if (const json* s = r.raw("schedule"); s == nullptr)
        r.fail("schedule", "is required");
    else if (!s->is_object())
        r.fail("schedule", "must be an object");
    else
        schedule = parse_schedule(*s, "/schedule", errors);
    const std::int64_t count =
        r.integer("count", false, 1, kMaxPreviewCount).value_or(kDefaultPreviewCount);
    const Timestamp after = r.timestamp("after", false).value_or(now_utc());
    r.reject_unknown();
    if (!errors.empty() || !schedule) throw ValidationError(std::move(errors));

    json times = json::array();
    for (const auto& slot : preview_schedule(*schedule, after, static_cast<std::size_t>(count)))
        times.push_back({{"at", format_rfc3339(slot.at)}, {"local", slot.local}});
    return {{"timezone", schedule->timezone}, {"after", format_rfc3339(after)}, {"times", times}};
}

json test_filter(const json& body) {
    std::vector<FieldError> errors;
    detail::JsonReader r(body, "", errors);
    if (!r.is_object()) throw ValidationError(std::move(errors));
    std::optional<FilterPattern> filter;
    if (const json* f = r.raw("filter"); !body.contains("filter")) {
        r.fail("filter", "is required (null matches every change)");
    } else if (f != nullptr) {
        try {
            filter = FilterPattern::parse(*f, "/filter");
        } catch (const ValidationError& e) {
            errors.insert(errors.end(), e.errors().begin(), e.errors().end());
        }
    }
    json document;
    if (const json* change = r.raw("change"); change == nullptr) {
        r.fail("change", "is required");
    } else if (!change->is_object()) {
        r.fail("change", "must be an object with op, before and after");
    } else {
        detail::JsonReader c(*change, "/change", errors);
        const json* op = c.raw("op");
        if (op == nullptr || !op->is_string() ||
            (*op != "c" && *op != "u" && *op != "d" && *op != "r"))
            c.fail("op", "must be \"c\" (insert), \"u\" (update), \"d\" (delete) or \"r\" (read)");
        const json* table = c.raw("table");
        if (table != nullptr && !table->is_string())
            c.fail("table", "must be a string such as \"public.orders\"");
        // Row images: an object of columns, or null (no such image: before of an insert).
        const json* before = c.raw("before");
        const json* after = c.raw("after");
        for (auto [key, row] : {std::pair{"before", before}, std::pair{"after", after}})
            if (row != nullptr && !row->is_object())
                c.fail(key, "must be an object of columns or null");
        c.reject_unknown();
        // The same shape cdc-capture matches (filter_document): op, table, before, after.
        auto or_null = [](const json* v) { return v != nullptr ? *v : json(); };
        document = {{"op", or_null(op)},
                    {"table", or_null(table)},
                    {"before", or_null(before)},
                    {"after", or_null(after)}};
    }
    std::optional<std::vector<std::string>> operations;
    if (const json* ops = r.raw("operations"); body.contains("operations")) {
        bool ok = ops != nullptr && ops->is_array();
        if (ok) {
            operations.emplace();
            for (const auto& o : *ops) {
                if (!o.is_string() ||
                    (o != "insert" && o != "update" && o != "delete" && o != "read")) {
                    ok = false;
                    break;
                }
                operations->push_back(o.get<std::string>());
            }
        }
        if (!ok)
            r.fail("operations",
                   "must be an array of \"insert\", \"update\", \"delete\", \"read\"");
    }
    r.reject_unknown();
    if (!errors.empty()) throw ValidationError(std::move(errors));

    const bool filter_matches = !filter || filter->matches(document);
    bool operation_matches = true;
    if (operations) {
        const std::string op = document["op"];
        const std::string name = op == "c"   ? "insert"
                                 : op == "u" ? "update"
                                 : op == "r" ? "read"
                                             : "delete";
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
