#include "etp/runtime/readiness.hpp"

namespace etp::runtime {

std::function<std::optional<std::string>()> all_of(std::vector<NamedCheck> checks) {
    return [checks = std::move(checks)]() -> std::optional<std::string> {
        for (const auto& c : checks) {
            if (auto problem = c.check()) return c.name + ": " + *problem;
        }
        return std::nullopt;
    };
}

}  // namespace etp::runtime
