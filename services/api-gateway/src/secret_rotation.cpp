#include "secret_rotation.hpp"

#include "etp/domain/error.hpp"
#include "etp/domain/webhook_signature.hpp"

namespace etp::gateway {

SecretRotation parse_secret_rotation(const nlohmann::json& body) {
    if (!body.is_object())
        throw ValidationError(std::vector<FieldError>{{"", "must be a JSON object"}});
    SecretRotation r;
    std::vector<FieldError> errors;
    for (const auto& [key, value] : body.items()) {
        if (key == "secret") {
            std::optional<std::string> problem;
            if (!value.is_string())
                problem = "must be a string";
            else
                problem = webhook::secret_problem(value.get_ref<const std::string&>());
            if (problem)
                errors.push_back({"/secret", *problem});
            else
                r.secret = value.get<std::string>();
        } else if (key == "expire_previous_after_seconds") {
            // JSON integers only: 1.5, "60", true and numbers beyond int64 are refused.
            bool ok = false;
            if (value.is_number_unsigned())
                ok = value.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxGraceSeconds);
            else if (value.is_number_integer())
                ok =
                    value.get<std::int64_t>() >= 0 && value.get<std::int64_t>() <= kMaxGraceSeconds;
            if (ok)
                r.grace = std::chrono::seconds(value.get<std::int64_t>());
            else
                errors.push_back(
                    {"/expire_previous_after_seconds",
                     "must be an integer from 0 to " + std::to_string(kMaxGraceSeconds)});
        } else {
            errors.push_back({"/" + key, "unknown field"});
        }
    }
    if (!errors.empty()) throw ValidationError(std::move(errors));
    return r;
}

}  // namespace etp::gateway
