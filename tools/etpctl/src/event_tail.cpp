#include "event_tail.hpp"

#include <algorithm>
#include <utility>

namespace etp::ctl {

EventTail::EventTail(std::chrono::seconds lookback, Timestamp start)
    : lookback_(lookback), newest_(start) {}

std::vector<nlohmann::json> EventTail::take_new(const std::vector<nlohmann::json>& page) {
    std::vector<std::pair<Timestamp, nlohmann::json>> fresh;
    for (const auto& event : page) {
        if (!event.is_object() || !event.contains("id") || !event["id"].is_string() ||
            !event.contains("triggered_at") || !event["triggered_at"].is_string()) {
            continue;
        }
        const auto at = parse_rfc3339(event["triggered_at"].get<std::string>());
        if (!at) continue;
        const auto id = event["id"].get<std::string>();
        if (!seen_.emplace(id, *at).second) continue;
        fresh.emplace_back(*at, event);
    }
    std::sort(fresh.begin(), fresh.end(), [](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        return a.second["id"].template get<std::string>() <
               b.second["id"].template get<std::string>();
    });
    std::vector<nlohmann::json> out;
    for (auto& [at, event] : fresh) {
        newest_ = std::max(newest_, at);
        out.push_back(std::move(event));
    }
    // What falls out of the next poll's window cannot come again: forget it.
    const auto horizon = since();
    std::erase_if(seen_, [&](const auto& entry) { return entry.second < horizon; });
    return out;
}

}  // namespace etp::ctl
