#pragma once
// What the gateway adds to a trigger's webhook target on its way in and out: the refusal of
// URLs the dispatcher cannot use and of private addresses (unless ETP_ALLOW_PRIVATE_TARGETS),
// both decided by the dispatcher's own URL parser (net::parse_url, net::is_private_host), and
// the trigger's API representation,
// which never holds a secret except the one answer that shows a secret the platform generated.
// Stateless; thread-safe.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth.hpp"
#include "etp/domain/error.hpp"
#include "etp/domain/trigger.hpp"

namespace etp::gateway {

// The problem at `pointer_prefix` + "/target/url" when the definition's target URL cannot be
// used by the dispatcher's client, or when it names a private host (net::is_private_host:
// localhost, loopback, private or link-local IP literals in any numeric form) and those are not
// allowed. `pointer_prefix` is where the definition sits in the request body ("" or "/trigger").
std::optional<FieldError> target_url_error(const TriggerSpec& spec, bool allow_private_targets,
                                           const std::string& pointer_prefix = "");
// The same, thrown as a ValidationError.
void check_target_url(const TriggerSpec& spec, bool allow_private_targets);

// The trigger as the API shows it. `shown_secret`, when given, goes into target.secret: a
// secret the platform generated, shown this once.
nlohmann::json trigger_json(const Trigger& trigger,
                            const std::optional<std::string>& shown_secret = std::nullopt);

// Whether a key with these scopes sees targets whole: write and admin keys, which may change
// them anyway. Others see header values and URL user info hidden (redact_target).
bool sees_whole_targets(const std::vector<Scope>& scopes);
// The trigger as shown to a key with these scopes.
nlohmann::json trigger_json_for(const Trigger& trigger, const std::vector<Scope>& scopes);

}  // namespace etp::gateway
