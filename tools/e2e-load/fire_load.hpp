#pragma once
// Fires an api trigger through the gateway at a fixed rate: slot k of a step is due at
// start + k / rate, and a pool of keep-alive connections (one thread each) takes the slots in
// order, sleeping until each is due. A slot taken late is sent at once and its lag behind the
// timeline recorded; slots still untaken when the step's time is up are not sent. So the rate
// does not bend to the gateway's latency as long as a connection is free (open loop), and
// falls short, visibly, when none is.

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common.hpp"

namespace etp::bench {

struct FireSettings {
    std::string gateway;  // scheme://host:port
    std::string api_key;
    std::vector<std::string> trigger_ids;  // fired in turn
    std::string body;
    std::size_t connections = 12;
};

struct FireStep {
    double target_rate = 0;
    std::chrono::seconds duration{0};
    std::uint64_t scheduled = 0;  // slots in the step: rate × duration
    std::uint64_t sent = 0;
    std::uint64_t accepted = 0;  // 202
    std::uint64_t refused = 0;   // an HTTP answer other than 202
    std::uint64_t failed = 0;    // no HTTP answer
    std::map<int, std::uint64_t> refused_by_status;
    std::string first_error;
    std::vector<Uuid> event_ids;  // of the accepted fires
    std::int64_t lag_p99_us = 0;  // behind the timeline when sent
    std::int64_t lag_max_us = 0;
    std::int64_t request_p50_us = 0;  // fire request round trip
    std::int64_t request_p99_us = 0;
    SystemTime started;  // first slot due
    SystemTime ended;    // last answer received
};

// Creates an active api trigger whose webhook target is `target_url`; returns its id.
// Throws std::runtime_error with the gateway's answer when it is not 201.
std::string create_trigger(const std::string& gateway, const std::string& api_key,
                           const std::string& name, const std::string& target_url);

class FireLoad {
 public:
    explicit FireLoad(FireSettings settings);

    // Runs one step; blocks for about `duration`.
    FireStep run(double rate, std::chrono::seconds duration);

 private:
    FireSettings settings_;
    std::vector<std::string> paths_;
    httplib::Headers headers_;
    std::vector<std::unique_ptr<httplib::Client>> clients_;  // one per connection, kept alive
};

}  // namespace etp::bench
