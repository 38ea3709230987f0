#pragma once
// A trigger: what fires (schedule, API call, row change), what the event carries, and where it
// is delivered. Plain values; parse_trigger_spec() is the one gate every definition passes.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etp/domain/error.hpp"
#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/domain/webhook_body.hpp"

namespace etp {

enum class TriggerType { kScheduled, kApi, kCdc };
std::string_view to_string(TriggerType type) noexcept;
std::optional<TriggerType> parse_trigger_type(std::string_view text) noexcept;

enum class Misfire { kFireOnce, kSkip, kFireAll };
std::string_view to_string(Misfire misfire) noexcept;

struct Schedule {
    // Exactly one of the three is set.
    std::optional<std::string> cron;  // 5 fields, or 6 with seconds first
    std::optional<std::int64_t> interval_seconds;
    std::optional<Timestamp> at;
    std::string timezone = "UTC";  // IANA name; cron is evaluated in it
    bool recurring = true;
    std::optional<Timestamp> start_at;
    std::optional<Timestamp> end_at;
    Misfire misfire = Misfire::kFireOnce;
};

struct CdcSpec {
    std::string table;                    // "schema.table"
    std::vector<std::string> operations;  // subset of insert, update, delete, read (snapshot rows)
    nlohmann::json filter;                // EventBridge-style pattern; null = every change
};

struct Target {
    std::string url;
    std::string method = "POST";
    std::map<std::string, std::string> headers;
    // 15 s for definitions without one; stored targets carry theirs (older ones 10 s).
    std::int64_t timeout_ms = 15'000;
    std::optional<std::string> secret;  // write-only: never serialised back
    WebhookBody body = {};              // what is sent: the CloudEvent unless set
};

// Either exponential backoff with full jitter (max_attempts, initial_backoff_ms,
// max_backoff_ms), or a schedule: the delay in seconds before each attempt after the first, each
// with ±20 % jitter; max_attempts is then 1 + its length. A definition without `retry` gets the
// Standard Webhooks-like standard_retry_schedule(); stored triggers keep what they were created
// with (the policy is stored in full).
struct RetryPolicy {
    std::int64_t max_attempts = 8;
    std::int64_t initial_backoff_ms = 1'000;
    std::int64_t max_backoff_ms = 600'000;
    std::vector<std::int64_t> schedule_seconds = {};  // empty: exponential backoff
};

// Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 8 attempts over about 28 h.
RetryPolicy standard_retry_schedule();
inline constexpr std::int64_t kMaxScheduleDelaySeconds = 86'400;
inline constexpr std::size_t kMaxScheduleLength = 20;

// What a user defines (POST/PUT body).
struct TriggerSpec {
    std::string name;
    TriggerType type = TriggerType::kApi;
    bool active = true;
    std::optional<Schedule> schedule;  // scheduled only
    nlohmann::json payload;            // scheduled only: the static payload of each firing
    nlohmann::json api_schema;         // api only: JSON Schema of the fire body (null = any)
    std::optional<CdcSpec> cdc;        // cdc only
    std::optional<Target> target;      // webhook; none = log and publish only
    RetryPolicy retry;                 // parse_trigger_spec: standard_retry_schedule() unless given
};

// Where a scheduled trigger stands, as the scheduler recorded it (the `schedules` row). The
// gateway never computes fire times; it only reads these.
struct ScheduleState {
    // The planned next slot; nullopt while the scheduler has not (re)planned a change yet, and
    // while the trigger is inactive or completed.
    std::optional<Timestamp> next_fire_at;
    std::optional<Timestamp> last_fired_at;  // the latest slot fired
    // Set when a one-time or non-recurring schedule has fired its slot and none is left; the
    // scheduler then also deactivates the trigger. There is no other status: completed_at plus
    // active = false is "completed".
    std::optional<Timestamp> completed_at;
};

// Set by the dispatcher when the target answered 410 Gone: no webhook is sent (nor queued) for
// the trigger until a replace (PUT) clears it.
struct TargetDisabled {
    Timestamp at;
    std::string reason;  // "410 Gone from <url>"
};

struct Trigger {
    TriggerId id;
    TriggerSpec spec;
    std::int64_t version = 1;
    Timestamp created_at;
    Timestamp updated_at;
    // Scheduled triggers as read from PostgreSQL; nullopt for other types (and for a scheduled
    // trigger without a schedules row, which to_json shows as all null). The initializer lets
    // aggregate initialisations that stop before it compile without -Wmissing-field-initializers.
    std::optional<ScheduleState> schedule_state = std::nullopt;
    std::optional<TargetDisabled> target_disabled = std::nullopt;  // shown as target.disabled
};

// Validates a request body and returns the definition. Throws ValidationError listing every
// problem with its JSON pointer, including unknown fields.
TriggerSpec parse_trigger_spec(const nlohmann::json& body);

// JSON of the parts stored as jsonb (schedule, cdc, target without secret, retry), and back.
nlohmann::json schedule_to_json(const Schedule& schedule);
// A schedule object (as in a definition), validated like a definition's; each problem is
// appended to `errors` under `pointer` (e.g. "/schedule"). Nullopt when it is not valid.
std::optional<Schedule> parse_schedule(const nlohmann::json& node, const std::string& pointer,
                                       std::vector<FieldError>& errors);
nlohmann::json cdc_to_json(const CdcSpec& cdc);
nlohmann::json target_to_json(const Target& target);  // without the secret
// A target object (as in a definition, or target_to_json plus "secret"), validated like a
// definition's; each problem is appended to `errors` under `pointer` (e.g. "/target").
// Nullopt when `node` is not an object.
std::optional<Target> parse_target(const nlohmann::json& node, const std::string& pointer,
                                   std::vector<FieldError>& errors);
nlohmann::json retry_to_json(const RetryPolicy& retry);

// What stands for a hidden value in a redacted target.
inline constexpr std::string_view kRedacted = "********";
// The URL with the password of its user info replaced by kRedacted ("https://u:********@h/"),
// or the whole user info when it has no password (it is then often a token).
std::string redact_url_userinfo(std::string_view url);
// The target as shown to those who may not change it (read-only API keys, etp.trigger.changes):
// every header value and the URL's user info hidden, no secret.
Target redact_target(const Target& target);

// The API representation, never with the secret (secrets live in their own store); a disabled
// target carries "disabled": {"at", "reason"}. Scheduled
// triggers also carry next_fire_at, last_fired_at and completed_at (each RFC 3339 or null).
nlohmann::json to_json(const Trigger& trigger);
// The same with the target redacted (redact_target).
nlohmann::json to_redacted_json(const Trigger& trigger);

}  // namespace etp
