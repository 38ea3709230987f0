// AckBatch (produce N messages, await every acknowledgement with a deadline) against the
// development broker (librdkafka's mock cluster over real sockets), and against a port where no
// broker listens, for the deadline and the failures.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "etp/bus/ack_batch.hpp"
#include "etp/bus/producer.hpp"
#include "etp/testing/dev_broker.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using etp::bus::AckBatch;
using etp::bus::AckResult;
using etp::bus::OutgoingMessage;
using etp::bus::Producer;
using etp::bus::ProducerConfig;

ProducerConfig producer_config(const std::string& brokers, std::chrono::milliseconds timeout) {
    ProducerConfig config;
    config.brokers = brokers;
    config.client_id = "etp-integration-ack-batch";
    config.delivery_timeout = timeout;
    return config;
}

// A loopback port nothing listens on (bound, then closed).
std::string nobody_listens() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    ::close(fd);
    return "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

OutgoingMessage message(const std::string& topic, int i) {
    return {topic, "k" + std::to_string(i), "v" + std::to_string(i), {}};
}

}  // namespace

TEST_CASE("an ack batch answers once the broker acknowledged every message", "[bus]") {
    Producer producer(producer_config(etp::testing::DevBroker::shared().bootstrap(), 10s));
    const std::string topic = "test.ack_batch." + std::to_string(::getpid());
    AckBatch batch(producer);
    std::atomic<int> acked{0};
    for (int i = 0; i < 200; ++i) batch.produce(message(topic, i), [&acked] { ++acked; });
    const AckResult result = batch.wait(Clock::now() + 20s);
    CHECK(result.ok());
    CHECK(result.produced == 200);
    CHECK(result.acknowledged == 200);
    CHECK(result.failed == 0);
    CHECK(result.unanswered == 0);
    CHECK(result.last_error.empty());
    CHECK(acked == 200);
    // An empty batch has nothing to wait for.
    CHECK(AckBatch(producer).wait(Clock::now() + 20s).ok());
}

TEST_CASE("an ack batch stops waiting at its deadline, and counts failed deliveries", "[bus]") {
    Producer producer(producer_config(nobody_listens(), 2s));
    AckBatch batch(producer);
    std::atomic<int> acked{0};
    for (int i = 0; i < 3; ++i)
        batch.produce(message("test.ack_batch.nobody", i), [&acked] { ++acked; });

    const auto started = Clock::now();
    const AckResult early = batch.wait(started + 300ms);
    const auto waited = Clock::now() - started;
    CHECK(waited >= 300ms);
    CHECK(waited < 1500ms);
    CHECK_FALSE(early.ok());
    CHECK(early.produced == 3);
    CHECK(early.unanswered == 3);
    CHECK(early.acknowledged == 0);

    // The producer's delivery timeout answers each message with an error.
    const AckResult late = batch.wait(Clock::now() + 20s);
    CHECK(late.failed == 3);
    CHECK(late.unanswered == 0);
    CHECK(late.acknowledged == 0);
    CHECK(late.last_error.find("kafka delivery failed") != std::string::npos);
    CHECK(acked == 0);
}

TEST_CASE("an ack batch stops waiting when the caller gives up", "[bus]") {
    Producer producer(producer_config(nobody_listens(), 2s));
    AckBatch batch(producer);
    batch.produce(message("test.ack_batch.nobody", 0));
    const auto started = Clock::now();
    int asked = 0;
    const AckResult result = batch.wait(Clock::time_point::max(), [&] {
        ++asked;
        return Clock::now() - started >= 200ms;
    });
    CHECK(Clock::now() - started < 1s);
    CHECK(asked >= 2);
    CHECK(result.unanswered == 1);
}
