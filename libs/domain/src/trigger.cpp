#include "etp/domain/trigger.hpp"

#include <date/tz.h>

#include <algorithm>
#include <regex>
#include <set>

#include "etp/domain/cron.hpp"
#include "etp/domain/error.hpp"
#include "etp/domain/filter_pattern.hpp"
#include "etp/domain/json_reader.hpp"
#include "etp/domain/payload_schema.hpp"
#include "etp/domain/webhook_signature.hpp"

namespace etp {

using detail::JsonReader;
using nlohmann::json;

std::string_view to_string(TriggerType type) noexcept {
    switch (type) {
        case TriggerType::kScheduled:
            return "scheduled";
        case TriggerType::kApi:
            return "api";
        case TriggerType::kCdc:
            return "cdc";
    }
    return "api";
}

std::optional<TriggerType> parse_trigger_type(std::string_view text) noexcept {
    if (text == "scheduled") return TriggerType::kScheduled;
    if (text == "api") return TriggerType::kApi;
    if (text == "cdc") return TriggerType::kCdc;
    return std::nullopt;
}

std::string_view to_string(Misfire misfire) noexcept {
    switch (misfire) {
        case Misfire::kFireOnce:
            return "fire_once";
        case Misfire::kSkip:
            return "skip";
        case Misfire::kFireAll:
            return "fire_all";
    }
    return "fire_once";
}

namespace {

constexpr std::int64_t kMaxIntervalSeconds = 10LL * 366 * 24 * 3600;

std::optional<Misfire> parse_misfire(std::string_view text) {
    if (text == "fire_once") return Misfire::kFireOnce;
    if (text == "skip") return Misfire::kSkip;
    if (text == "fire_all") return Misfire::kFireAll;
    return std::nullopt;
}

bool is_known_time_zone(const std::string& name) {
    try {
        return date::locate_zone(name) != nullptr;
    } catch (const std::exception&) {
        return false;
    }
}

// Runs a validator that throws ValidationError and adds its problems to `errors`.
template <typename Check>
void collect(std::vector<FieldError>& errors, Check check) {
    try {
        check();
    } catch (const ValidationError& e) {
        errors.insert(errors.end(), e.errors().begin(), e.errors().end());
    }
}

}  // namespace

std::optional<Schedule> parse_schedule(const json& node, const std::string& pointer,
                                       std::vector<FieldError>& errors) {
    JsonReader r(node, pointer, errors);
    if (!r.is_object()) return std::nullopt;
    Schedule s;
    std::size_t errors_before = errors.size();
    s.cron = r.string("cron", false, 1, 200);
    if (s.cron) {
        try {
            CronExpr::parse(*s.cron);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::kInvalidInput) throw;
            r.fail("cron", e.what());
        }
    }
    s.interval_seconds = r.integer("interval_seconds", false, 1, kMaxIntervalSeconds);
    s.at = r.timestamp("at", false);
    int kinds =
        (r.has("cron") ? 1 : 0) + (r.has("interval_seconds") ? 1 : 0) + (r.has("at") ? 1 : 0);
    if (kinds != 1)
        errors.push_back({pointer, "must have exactly one of cron, interval_seconds, at"});
    if (auto tz = r.string("timezone", false, 1, 64)) {
        if (is_known_time_zone(*tz))
            s.timezone = *tz;
        else
            r.fail("timezone", "is not an IANA time zone such as Europe/Berlin");
    }
    if (auto recurring = r.boolean("recurring")) s.recurring = *recurring;
    if (r.has("at") && !r.has("recurring")) s.recurring = false;
    s.start_at = r.timestamp("start_at", false);
    s.end_at = r.timestamp("end_at", false);
    if (s.start_at && s.end_at && *s.end_at <= *s.start_at)
        r.fail("end_at", "must be after start_at");
    if (auto m = r.string("misfire", false, 1, 20)) {
        if (auto parsed = parse_misfire(*m))
            s.misfire = *parsed;
        else
            r.fail("misfire", "must be one of fire_once, skip, fire_all");
    }
    r.reject_unknown();
    if (errors.size() != errors_before) return std::nullopt;
    return s;
}

namespace {

std::optional<CdcSpec> parse_cdc(const json& node, const std::string& pointer,
                                 std::vector<FieldError>& errors) {
    static const std::regex kTable(
        R"(^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$)");
    JsonReader r(node, pointer, errors);
    if (!r.is_object()) return std::nullopt;
    CdcSpec c;
    if (auto table = r.string("table", true, 3, 127)) {
        if (std::regex_match(*table, kTable))
            c.table = *table;
        else
            r.fail("table", "must be schema.table, e.g. public.orders");
    }
    if (const json* ops = r.raw("operations")) {
        if (!ops->is_array() || ops->empty()) {
            r.fail("operations", "must be a non-empty array of insert, update, delete, read");
        } else {
            for (std::size_t i = 0; i < ops->size(); ++i) {
                const json& op = (*ops)[i];
                bool ok = op.is_string() &&
                          (op == "insert" || op == "update" || op == "delete" || op == "read");
                if (!ok) {
                    errors.push_back({r.pointer_of("operations") + "/" + std::to_string(i),
                                      "must be insert, update, delete or read"});
                } else if (std::find(c.operations.begin(), c.operations.end(), op) ==
                           c.operations.end()) {
                    c.operations.push_back(op.get<std::string>());
                }
            }
        }
    } else {
        c.operations = {"insert", "update", "delete"};
    }
    if (const json* filter = r.raw("filter")) {
        std::size_t errors_before = errors.size();
        collect(errors, [&] { FilterPattern::parse(*filter, r.pointer_of("filter")); });
        if (errors.size() == errors_before) c.filter = *filter;
    }
    r.reject_unknown();
    return c;
}

}  // namespace

std::optional<Target> parse_target(const json& node, const std::string& pointer,
                                   std::vector<FieldError>& errors) {
    static const std::regex kUrl(R"(^https?://[^\s/?#]+([/?#][^\s]*)?$)", std::regex::icase);
    static const std::regex kHeaderName(R"(^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$)");
    JsonReader r(node, pointer, errors);
    if (!r.is_object()) return std::nullopt;
    Target t;
    if (auto url = r.string("url", true, 8, 2048)) {
        if (std::regex_match(*url, kUrl))
            t.url = *url;
        else
            r.fail("url", "must be an http:// or https:// URL");
    }
    if (auto method = r.string("method", false, 1, 10)) {
        if (*method == "POST" || *method == "PUT" || *method == "PATCH")
            t.method = *method;
        else
            r.fail("method", "must be POST, PUT or PATCH");
    }
    if (const json* headers = r.raw("headers")) {
        if (!headers->is_object()) {
            r.fail("headers", "must be an object of header names to string values");
        } else {
            for (const auto& [name, value] : headers->items()) {
                std::string p = r.pointer_of("headers") + "/" + detail::pointer_token(name);
                if (!std::regex_match(name, kHeaderName))
                    errors.push_back({p, "is not a valid HTTP header name"});
                else if (!value.is_string() || value.get_ref<const std::string&>().size() > 4096 ||
                         value.get_ref<const std::string&>().find_first_of("\r\n") !=
                             std::string::npos)
                    errors.push_back({p, "must be a single-line string"});
                else
                    t.headers[name] = value.get<std::string>();
            }
        }
    }
    if (auto timeout = r.integer("timeout_ms", false, 100, 60'000)) t.timeout_ms = *timeout;
    // No length bounds of its own: secret_problem() bounds the decoded key, and one message
    // says what a valid secret looks like.
    if (auto secret = r.string("secret", false, 0, std::string::npos)) {
        if (auto problem = webhook::secret_problem(*secret))
            r.fail("secret", *problem);
        else
            t.secret = std::move(secret);
    }
    if (const json* body = r.raw("body")) {
        if (auto parsed = parse_webhook_body(*body, r.pointer_of("body"), errors))
            t.body = std::move(*parsed);
    }
    r.reject_unknown();
    return t;
}

namespace {

RetryPolicy parse_retry(const json& node, const std::string& pointer,
                        std::vector<FieldError>& errors) {
    JsonReader r(node, pointer, errors);
    RetryPolicy p;
    if (!r.is_object()) return p;
    if (const json* schedule = r.raw("schedule")) {
        if (*schedule == "standard") {
            p = standard_retry_schedule();
        } else if (schedule->is_array() && !schedule->empty() &&
                   schedule->size() <= kMaxScheduleLength) {
            for (std::size_t i = 0; i < schedule->size(); ++i) {
                const json& d = (*schedule)[i];
                if (d.is_number_integer() && d.get<std::int64_t>() >= 0 &&
                    d.get<std::int64_t>() <= kMaxScheduleDelaySeconds)
                    p.schedule_seconds.push_back(d.get<std::int64_t>());
                else
                    errors.push_back({r.pointer_of("schedule") + "/" + std::to_string(i),
                                      "must be a whole number of seconds from 0 to " +
                                          std::to_string(kMaxScheduleDelaySeconds)});
            }
        } else {
            r.fail("schedule", "must be \"standard\" or a list of 1 to " +
                                   std::to_string(kMaxScheduleLength) +
                                   " delays in seconds before each retry");
        }
        p.max_attempts = static_cast<std::int64_t>(p.schedule_seconds.size()) + 1;
        if (auto v = r.integer("max_attempts", false, 1, 50); v && *v != p.max_attempts)
            r.fail("max_attempts", "must be 1 + the schedule's length (" +
                                       std::to_string(p.max_attempts) + ") when set");
        for (const char* key : {"initial_backoff_ms", "max_backoff_ms"})
            if (r.raw(key)) r.fail(key, "cannot be combined with schedule");
        r.reject_unknown();
        return p;
    }
    if (auto v = r.integer("max_attempts", false, 1, 50)) p.max_attempts = *v;
    if (auto v = r.integer("initial_backoff_ms", false, 10, 3'600'000)) p.initial_backoff_ms = *v;
    if (auto v = r.integer("max_backoff_ms", false, 10, 86'400'000)) p.max_backoff_ms = *v;
    if (p.max_backoff_ms < p.initial_backoff_ms)
        r.fail("max_backoff_ms", "must be at least initial_backoff_ms");
    r.reject_unknown();
    return p;
}

// The short schema form {"amount": "float", "currency": "str"} becomes a JSON Schema.
// Any of these keys makes an object a JSON Schema rather than the short form.
bool has_schema_keyword(const json& node) {
    static const std::set<std::string> kKeywords = {"$schema",
                                                    "$id",
                                                    "$ref",
                                                    "$comment",
                                                    "type",
                                                    "properties",
                                                    "required",
                                                    "items",
                                                    "additionalProperties",
                                                    "patternProperties",
                                                    "definitions",
                                                    "enum",
                                                    "const",
                                                    "allOf",
                                                    "anyOf",
                                                    "oneOf",
                                                    "not",
                                                    "if",
                                                    "then",
                                                    "else",
                                                    "title",
                                                    "description",
                                                    "default",
                                                    "format",
                                                    "pattern",
                                                    "minimum",
                                                    "maximum",
                                                    "minLength",
                                                    "maxLength",
                                                    "minItems",
                                                    "maxItems",
                                                    "uniqueItems",
                                                    "contains",
                                                    "propertyNames",
                                                    "dependencies",
                                                    "examples",
                                                    "multipleOf",
                                                    "exclusiveMinimum",
                                                    "exclusiveMaximum",
                                                    "minProperties",
                                                    "maxProperties"};
    for (const auto& [key, value] : node.items())
        if (kKeywords.contains(key)) return true;
    return false;
}

// The short form {"amount": "float", "currency": "str"}: an object of field names to type
// names, without JSON Schema keywords. Returns the equivalent JSON Schema, or nullopt when
// `node` is not in the short form. A type name that is not known is an error at its field, so a
// typo cannot silently turn into a schema that accepts everything.
std::optional<json> short_form_schema(const json& node, std::vector<FieldError>& errors) {
    static const std::map<std::string, std::string> kTypes = {
        {"int", "integer"},   {"integer", "integer"}, {"float", "number"}, {"number", "number"},
        {"str", "string"},    {"string", "string"},   {"bool", "boolean"}, {"boolean", "boolean"},
        {"object", "object"}, {"dict", "object"},     {"list", "array"},   {"array", "array"}};
    if (!node.is_object() || node.empty() || has_schema_keyword(node)) return std::nullopt;
    for (const auto& [name, type] : node.items())
        if (!type.is_string()) return std::nullopt;
    json properties = json::object();
    json required = json::array();
    bool ok = true;
    for (const auto& [name, type] : node.items()) {
        auto it = kTypes.find(type.get<std::string>());
        if (it == kTypes.end()) {
            errors.push_back({"/api_schema/" + detail::pointer_token(name),
                              "must be a type name: int, float, str, bool, object or list"});
            ok = false;
            continue;
        }
        properties[name] = {{"type", it->second}};
        required.push_back(name);
    }
    if (!ok) return json();  // reported; no schema
    return json{{"$schema", "http://json-schema.org/draft-07/schema#"},
                {"type", "object"},
                {"properties", properties},
                {"required", required}};
}

}  // namespace

TriggerSpec parse_trigger_spec(const json& body) {
    std::vector<FieldError> errors;
    JsonReader r(body, "", errors);
    if (!r.is_object()) throw ValidationError(std::move(errors));
    TriggerSpec spec;
    if (auto name = r.string("name", true, 1, 200)) spec.name = *name;
    std::optional<TriggerType> type;
    if (auto t = r.string("type", true, 1, 20)) {
        type = parse_trigger_type(*t);
        if (!type) r.fail("type", "must be one of scheduled, api, cdc");
    }
    if (type) spec.type = *type;
    if (auto active = r.boolean("active")) spec.active = *active;

    const json* schedule = r.raw("schedule");
    const json* payload = r.raw("payload");
    const json* api_schema = r.raw("api_schema");
    const json* cdc = r.raw("cdc");
    if (type == TriggerType::kScheduled) {
        if (schedule == nullptr)
            r.fail("schedule", "is required for scheduled triggers");
        else
            spec.schedule = parse_schedule(*schedule, "/schedule", errors);
        if (payload != nullptr) spec.payload = *payload;
    } else if (type) {
        if (schedule != nullptr) r.fail("schedule", "is only allowed for scheduled triggers");
        if (payload != nullptr) r.fail("payload", "is only allowed for scheduled triggers");
    }
    if (type == TriggerType::kApi) {
        if (api_schema != nullptr) {
            if (auto converted = short_form_schema(*api_schema, errors))
                spec.api_schema = *converted;
            else if (api_schema->is_object())
                spec.api_schema = *api_schema;
            else
                r.fail("api_schema",
                       "must be a JSON Schema object or the short form "
                       "{\"field\": \"int|float|str|bool\"}");
            if (!spec.api_schema.is_null())
                collect(errors, [&] { PayloadSchema::compile(spec.api_schema, "/api_schema"); });
        }
    } else if (type && api_schema != nullptr) {
        r.fail("api_schema", "is only allowed for api triggers");
    }
    if (type == TriggerType::kCdc) {
        if (cdc == nullptr)
            r.fail("cdc", "is required for cdc triggers");
        else
            spec.cdc = parse_cdc(*cdc, "/cdc", errors);
    } else if (type && cdc != nullptr) {
        r.fail("cdc", "is only allowed for cdc triggers");
    }
    if (const json* target = r.raw("target"))
        spec.target = parse_target(*target, "/target", errors);
    if (const json* retry = r.raw("retry"))
        spec.retry = parse_retry(*retry, "/retry", errors);
    else
        spec.retry = standard_retry_schedule();
    r.reject_unknown();
    if (!errors.empty()) throw ValidationError(std::move(errors));
    return spec;
}

json schedule_to_json(const Schedule& s) {
    json j = json::object();
    if (s.cron) j["cron"] = *s.cron;
    if (s.interval_seconds) j["interval_seconds"] = *s.interval_seconds;
    if (s.at) j["at"] = format_rfc3339(*s.at);
    j["timezone"] = s.timezone;
    j["recurring"] = s.recurring;
    if (s.start_at) j["start_at"] = format_rfc3339(*s.start_at);
    if (s.end_at) j["end_at"] = format_rfc3339(*s.end_at);
    j["misfire"] = to_string(s.misfire);
    return j;
}

json cdc_to_json(const CdcSpec& c) {
    json j = {{"table", c.table}, {"operations", c.operations}};
    if (!c.filter.is_null()) j["filter"] = c.filter;
    return j;
}

json target_to_json(const Target& t) {
    return {{"url", t.url},
            {"method", t.method},
            {"headers", t.headers},
            {"timeout_ms", t.timeout_ms},
            {"body", webhook_body_to_json(t.body)}};
}

RetryPolicy standard_retry_schedule() {
    RetryPolicy p;
    p.schedule_seconds = {5, 300, 1'800, 7'200, 18'000, 36'000, 36'000};
    p.max_attempts = static_cast<std::int64_t>(p.schedule_seconds.size()) + 1;
    return p;
}

std::string redact_url_userinfo(std::string_view url) {
    // Found as the dispatcher's URL parser finds the host: the authority runs from "://" to the
    // first '/', '?' or '#', and the user info is what precedes its last '@'.
    std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(url);
    std::size_t start = sep + 3;
    std::size_t end = url.find_first_of("/?#", start);
    std::string_view authority =
        url.substr(start, end == std::string_view::npos ? url.npos : end - start);
    std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    std::string_view userinfo = authority.substr(0, at);
    std::size_t colon = userinfo.find(':');
    std::string shown = colon == std::string_view::npos
                            ? std::string(kRedacted)
                            : std::string(userinfo.substr(0, colon + 1)) + std::string(kRedacted);
    return std::string(url.substr(0, start)) + shown + std::string(url.substr(start + at));
}

Target redact_target(const Target& target) {
    Target t = target;
    t.url = redact_url_userinfo(target.url);
    for (auto& [name, value] : t.headers) value = std::string(kRedacted);
    t.secret.reset();
    return t;
}

json retry_to_json(const RetryPolicy& r) {
    if (!r.schedule_seconds.empty())
        return {{"max_attempts", r.max_attempts}, {"schedule", r.schedule_seconds}};
    return {{"max_attempts", r.max_attempts},
            {"initial_backoff_ms", r.initial_backoff_ms},
            {"max_backoff_ms", r.max_backoff_ms}};
}

json to_json(const Trigger& t) {
    const TriggerSpec& s = t.spec;
    json j = {{"id", t.id.to_string()},
              {"name", s.name},
              {"type", to_string(s.type)},
              {"active", s.active},
              {"version", t.version},
              {"created_at", format_rfc3339(t.created_at)},
              {"updated_at", format_rfc3339(t.updated_at)},
              {"retry", retry_to_json(s.retry)}};
    if (s.schedule) j["schedule"] = schedule_to_json(*s.schedule);
    if (s.type == TriggerType::kScheduled) {
        j["payload"] = s.payload;
        const ScheduleState state = t.schedule_state.value_or(ScheduleState{});
        auto time_or_null = [](const std::optional<Timestamp>& v) {
            return v ? json(format_rfc3339(*v)) : json(nullptr);
        };
        j["next_fire_at"] = time_or_null(state.next_fire_at);
        j["last_fired_at"] = time_or_null(state.last_fired_at);
        j["completed_at"] = time_or_null(state.completed_at);
    }
    if (s.type == TriggerType::kApi) j["api_schema"] = s.api_schema;
    if (s.cdc) j["cdc"] = cdc_to_json(*s.cdc);
    j["target"] = s.target ? target_to_json(*s.target) : nlohmann::json(nullptr);
    if (s.target && t.target_disabled)
        j["target"]["disabled"] = {{"at", format_rfc3339(t.target_disabled->at)},
                                   {"reason", t.target_disabled->reason}};
    return j;
}

json to_redacted_json(const Trigger& t) {
    json j = to_json(t);
    if (t.spec.target) j["target"] = target_to_json(redact_target(*t.spec.target));
    return j;
}

}  // namespace etp
