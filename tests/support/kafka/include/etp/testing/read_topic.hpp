#pragma once
// Reading a topic from the outside, as a user's consumer would, for tests of any broker.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "etp/bus/message.hpp"

namespace etp::testing {

// Consumes `topic` from the beginning under a fresh group until `expected_count` messages
// arrived or `timeout` passed; returns what it got (assert on the size).
std::vector<etp::bus::Message> read_topic(const std::string& bootstrap, const std::string& topic,
                                          std::size_t expected_count,
                                          std::chrono::milliseconds timeout);

}  // namespace etp::testing
