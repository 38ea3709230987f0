#pragma once
// The bookkeeping of `etpctl events tail --follow`, which polls the newest-first event list:
// each poll asks for events since the newest one seen minus a look-back (events are logged a
// little after they fire, so a later poll can bring an earlier one), and only the events not
// printed before are printed, oldest first. Pure; not thread-safe.

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/time.hpp"

namespace etp::ctl {

class EventTail {
 public:
    // `start`: where to look from before any event was seen (the client's clock).
    EventTail(std::chrono::seconds lookback, Timestamp start);

    // The events of `page` not returned before, oldest first (triggered_at, then id); remembers
    // them. Events without an id or a readable triggered_at are skipped.
    std::vector<nlohmann::json> take_new(const std::vector<nlohmann::json>& page);

    // The `since` of the next poll.
    Timestamp since() const { return newest_ - lookback_; }

    std::size_t remembered() const { return seen_.size(); }

 private:
    std::chrono::seconds lookback_;
    Timestamp newest_;
    std::map<std::string, Timestamp> seen_;  // event id -> triggered_at, within the look-back
};

}  // namespace etp::ctl
