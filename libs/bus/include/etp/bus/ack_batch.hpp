#pragma once
// Produce N messages, then await every acknowledgement with a deadline: for callers that may go
// on (commit a claim, answer a request) only once Kafka has all of a batch. Messages are added
// one by one, so a caller may wait between them (the scheduler waits for each slot), and are
// awaited together. One thread uses an AckBatch; the state its delivery callbacks count into is
// shared with them, so a batch given up (at shutdown) may be destroyed before its answers come.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "etp/bus/message.hpp"
#include "etp/bus/producer.hpp"

namespace etp::bus {

// How a batch stands when its wait ended.
struct AckResult {
    std::size_t produced = 0;      // handed to the producer
    std::size_t acknowledged = 0;  // acknowledged by the broker (acks=all)
    std::size_t failed = 0;        // the delivery failed
    std::size_t unanswered = 0;    // no answer yet: the deadline passed or the caller gave up
    std::string last_error;        // of the latest failure; empty without one

    bool ok() const noexcept { return failed == 0 && unanswered == 0; }
};

class AckBatch {
 public:
    explicit AckBatch(Producer& producer);

    // Enqueues the message; `on_acked` runs on the producer's delivery thread once the broker
    // acknowledged it and must not block. Throws as Producer::produce does (the message is then
    // not part of the batch).
    void produce(OutgoingMessage message, std::function<void()> on_acked = {});

    // Waits until every message produced so far is answered, `deadline` passes, or `give_up`
    // (asked about every 50 ms, on this thread) returns true.
    AckResult wait(std::chrono::steady_clock::time_point deadline,
                   const std::function<bool()>& give_up = {}) const;

 private:
    struct State;
    Producer& producer_;
    std::shared_ptr<State> state_;
};

}  // namespace etp::bus
