#include "etp/testing/read_topic.hpp"

#include <unistd.h>

#include <atomic>

#include "etp/bus/consumer.hpp"

namespace etp::testing {

std::vector<etp::bus::Message> read_topic(const std::string& bootstrap, const std::string& topic,
                                          std::size_t expected_count,
                                          std::chrono::milliseconds timeout) {
    static std::atomic<int> counter{0};
    etp::bus::ConsumerConfig config;
    config.brokers = bootstrap;
    config.group_id = "etp-read-topic-" + std::to_string(::getpid()) + "-" +
                      std::to_string(counter.fetch_add(1)) + "-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    config.client_id = "etp-read-topic";
    config.topics = {topic};
    config.auto_offset_reset = "earliest";
    etp::bus::Consumer consumer(config);

    std::vector<etp::bus::Message> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < expected_count) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        for (auto& m : consumer.poll(expected_count - out.size(), left))
            out.push_back(std::move(m));
    }
    consumer.close();
    return out;
}

}  // namespace etp::testing
