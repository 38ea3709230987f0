#pragma once
// Whether activating a trigger can make it fire again. Pure; thread-safe.

#include <optional>

#include "etp/domain/trigger.hpp"
#include "problem.hpp"

namespace etp::gateway {

// A conflict (409) when `trigger` is a completed one-time schedule (`at`) whose instant is not
// after `now`: activated, it would never fire again, so the client is told to PUT a new `at`
// instead. Other schedules may be activated whenever: the scheduler then plans them, and completes
// them again if no slot is left. The check is cheap on purpose: the gateway computes no fire times.
std::optional<ProblemError> activation_conflict(const Trigger& trigger, Timestamp now);

}  // namespace etp::gateway
