#pragma once
// How long the platform keeps an event by default: EVENT_RETAIN_FOR's default, for the retention
// service (which deletes events past it) and etp-topics (etp.events keeps its messages as long),
// written once so the two cannot disagree.

#include <string_view>

namespace etp {

inline constexpr std::string_view kEventRetainForDefault = "48h";  // runtime::parse_duration

}  // namespace etp
