#pragma once
// What a webhook's body is: the event's CloudEvent (the default), the event alone ("data"), or
// a JSON template over the event whose strings may hold {{path}} placeholders (e.g. a Slack or
// Discord message). Validated at create time; rendered by the dispatcher per attempt's job.
// Pure; thread-safe.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/error.hpp"

namespace etp {

enum class BodyFormat { kCloudEvent, kData, kTemplate };

struct WebhookBody {
    BodyFormat format = BodyFormat::kCloudEvent;
    nlohmann::json template_json;  // kTemplate only: an object
};

inline constexpr std::size_t kMaxBodyTemplateBytes = 16 * 1024;    // as compact JSON
inline constexpr std::size_t kMaxRenderedBodyBytes = 1024 * 1024;  // what is sent

// "cloudevent", "data" or an object template. Each problem is appended to `errors` under
// `pointer` (e.g. "/target/body"), a bad placeholder under the pointer of the string holding
// it. Placeholder paths: id, trigger.id, trigger.name, trigger.type, source, is_test,
// triggered_at, scheduled_for, logged_at, payload and payload.<field>... (a number indexes an
// array). Nullopt when not valid.
std::optional<WebhookBody> parse_webhook_body(const nlohmann::json& node,
                                              const std::string& pointer,
                                              std::vector<FieldError>& errors);
// "cloudevent", "data" or the template.
nlohmann::json webhook_body_to_json(const WebhookBody& body);

// The template rendered over `event` (the event as the API shows it, etp::to_json(Event)), as
// compact JSON. A string that is exactly one placeholder becomes the referenced JSON value
// (a number stays a number; a missing payload field is null); a placeholder within other text
// is replaced by the value as text (a string without quotes, other values as JSON, a missing
// field as nothing). Object keys are taken as written. Throws etp::Error (kInvalidInput)
// when the result would exceed kMaxRenderedBodyBytes.
std::string render_webhook_body(const nlohmann::json& template_json, const nlohmann::json& event);

}  // namespace etp
