#pragma once
// The webhook receiver: a cpp-httplib server on 127.0.0.1 (a free port) that answers 204 to
// POST /hook and records, per event, when its first delivery arrived and the end-to-end
// latency: arrival time minus the event's data.triggered_at, which is when the gateway
// accepted the fire. Repeats (same webhook-id) are counted, not recorded again.
// Thread-safe: the server's workers record, the load loop reads.

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common.hpp"

namespace etp::bench {

struct Arrival {
    SystemTime received;
    std::int64_t latency_us = 0;
};

struct ReceiverCounts {
    std::uint64_t unique = 0;     // first deliveries of an event
    std::uint64_t repeats = 0;    // deliveries of an event already received
    std::uint64_t malformed = 0;  // no usable webhook-id or triggered_at
};

class Receiver {
 public:
    explicit Receiver(std::size_t threads);
    ~Receiver();
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;

    // Binds 127.0.0.1 on a free port, serves on a thread; returns the port.
    int start();
    void stop() noexcept;

    // Removes from `pending` the ids that have arrived. Locks in slices, so that checking a
    // step's million ids does not stall the workers.
    void drop_arrived(std::vector<Uuid>& pending) const;
    // The arrivals of `ids` (none for those not received), in the same order.
    std::vector<std::optional<Arrival>> find(const std::vector<Uuid>& ids) const;
    // Drops what is recorded for `ids` (a finished step), keeping memory bounded.
    void forget(const std::vector<Uuid>& ids);
    ReceiverCounts counts() const;

 private:
    void record(const httplib::Request& req, SystemTime now);

    std::size_t threads_;
    httplib::Server server_;
    mutable std::mutex mutex_;  // guards arrivals_
    std::unordered_map<Uuid, Arrival, UuidHash> arrivals_;
    std::atomic<std::uint64_t> unique_{0};
    std::atomic<std::uint64_t> repeats_{0};
    std::atomic<std::uint64_t> malformed_{0};
    std::thread thread_;  // declared last: it runs server_
};

}  // namespace etp::bench
