#pragma once
// Readiness as the conjunction of named dependency checks ("postgres", "kafka", ...): the first
// failing one is reported as "<name>: <reason>". Thread-safe when the checks are.

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace etp::runtime {

struct NamedCheck {
    std::string name;
    std::function<std::optional<std::string>()> check;  // nullopt = healthy
};

std::function<std::optional<std::string>()> all_of(std::vector<NamedCheck> checks);

}  // namespace etp::runtime
