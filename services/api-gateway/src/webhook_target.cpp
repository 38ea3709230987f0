#include "webhook_target.hpp"

#include "etp/domain/delivery_policy.hpp"

namespace etp::gateway {

std::optional<FieldError> private_target_error(const TriggerSpec& spec, bool allow_private_targets,
                                               const std::string& pointer_prefix) {
    if (allow_private_targets || !spec.target) return std::nullopt;
    auto problem = webhook::private_target_problem(spec.target->url);
    if (!problem) return std::nullopt;
    return FieldError{pointer_prefix + "/target/url", *problem};
}

void check_target_allowed(const TriggerSpec& spec, bool allow_private_targets) {
    if (auto error = private_target_error(spec, allow_private_targets))
        throw ValidationError(std::vector<FieldError>{*error});
}

nlohmann::json trigger_json(const Trigger& trigger,
                            const std::optional<std::string>& shown_secret) {
    nlohmann::json j = to_json(trigger);
    if (shown_secret && j["target"].is_object()) j["target"]["secret"] = *shown_secret;
    return j;
}

}  // namespace etp::gateway
