#include "webhook_target.hpp"

#include "etp/net/client_url.hpp"

namespace etp::gateway {

std::optional<FieldError> target_url_error(const TriggerSpec& spec, bool allow_private_targets,
                                           const std::string& pointer_prefix) {
    if (!spec.target) return std::nullopt;
    // Decided on the URL as the dispatcher's client parses it, so that the host checked here is
    // the host it connects to.
    auto url = net::parse_url(spec.target->url);
    if (!url)
        return FieldError{pointer_prefix + "/target/url",
                          "must be an http:// or https:// URL with a host and, if given, a port "
                          "from 1 to 65535"};
    if (allow_private_targets || !net::is_private_host(*url)) return std::nullopt;
    return FieldError{pointer_prefix + "/target/url",
                      "points to a loopback or private address; set ETP_ALLOW_PRIVATE_TARGETS=1 "
                      "to allow it"};
}

void check_target_url(const TriggerSpec& spec, bool allow_private_targets) {
    if (auto error = target_url_error(spec, allow_private_targets))
        throw ValidationError(std::vector<FieldError>{*error});
}

nlohmann::json trigger_json(const Trigger& trigger,
                            const std::optional<std::string>& shown_secret) {
    nlohmann::json j = to_json(trigger);
    if (shown_secret && j["target"].is_object()) j["target"]["secret"] = *shown_secret;
    return j;
}

bool sees_whole_targets(const std::vector<Scope>& scopes) {
    for (Scope s : scopes)
        if (s == Scope::kWrite || s == Scope::kAdmin) return true;
    return false;
}

nlohmann::json trigger_json_for(const Trigger& trigger, const std::vector<Scope>& scopes) {
    return sees_whole_targets(scopes) ? to_json(trigger) : to_redacted_json(trigger);
}

}  // namespace etp::gateway
