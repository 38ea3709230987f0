// The bus library against the development broker (librdkafka's mock cluster over real
// sockets). Each test produces to its own topic, so tests share one broker without seeing
// each other's messages.
//
// Why the mock and not Apache Kafka here: these tests are also the development broker's own
// (its patched fetch over a long log, its topics, its port handling), and they rely on its
// controls: a broker that starts in well under a second for the stop/restart cases and that
// creates a topic on first produce. Stopping, killing and restarting the real broker is covered
// against Apache Kafka by tests/e2e/broker_outage_test.cpp, and every e2e and fault test runs
// on Apache Kafka.

#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "etp/bus/ack_batch.hpp"
#include "etp/bus/consumer.hpp"
#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/testing/dev_broker.hpp"
#include "etp/testing/service_process.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using etp::bus::AckBatch;
using etp::bus::AckResult;
using etp::bus::Consumer;
using etp::bus::ConsumerConfig;
using etp::bus::Header;
using etp::bus::Message;
using etp::bus::OutgoingMessage;
using etp::bus::Producer;
using etp::bus::ProducerConfig;
using etp::testing::DevBroker;

// A topic no other test uses; the broker creates it (4 partitions) on first produce.
std::string unique_topic(const std::string& name) {
    static std::atomic<int> counter{0};
    return "test." + name + "." + std::to_string(::getpid()) + "." +
           std::to_string(counter.fetch_add(1));
}

ProducerConfig producer_config(const std::string& brokers) {
    ProducerConfig config;
    config.brokers = brokers;
    config.client_id = "etp-integration-bus";
    return config;
}

ConsumerConfig consumer_config(const std::string& brokers, const std::string& group,
                               const std::string& topic) {
    ConsumerConfig config;
    config.brokers = brokers;
    config.group_id = group;
    config.topics = {topic};
    config.client_id = "etp-integration-bus";
    return config;
}

// Polls until `count` messages arrived or the deadline passed.
std::vector<Message> poll_for(Consumer& consumer, std::size_t count,
                              std::chrono::milliseconds timeout) {
    std::vector<Message> out;
    const auto deadline = Clock::now() + timeout;
    while (out.size() < count && Clock::now() < deadline) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        for (auto& m : consumer.poll(count - out.size(), left)) out.push_back(std::move(m));
    }
    return out;
}

struct BoundSocket {
    int fd;
    int port;
};

// A TCP socket bound to a free loopback port; the caller closes it.
BoundSocket bound_loopback_socket() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    return {fd, ntohs(address.sin_port)};
}

// A loopback port nothing listens on (bound, then closed).
int closed_port() {
    const BoundSocket socket = bound_loopback_socket();
    ::close(socket.fd);
    return socket.port;
}

struct ProcessResult {
    int exit_code = -1;
    std::string out;
};

// Runs a program found on PATH (no shell) and collects its stdout.
ProcessResult run(std::vector<std::string> args) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    ProcessResult result;
    if (spawned != 0) {
        ::close(pipe_fds[0]);
        FAIL("cannot run " << args[0]);
    }
    char buffer[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
        result.out.append(buffer, n);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

OutgoingMessage numbered(const std::string& topic, int i) {
    return {topic, "k" + std::to_string(i), "v" + std::to_string(i), {}};
}

}  // namespace

TEST_CASE("produce_sync then consume returns the same key, value and headers", "[bus]") {
    const std::string& brokers = DevBroker::shared().bootstrap();
    const std::string topic = unique_topic("roundtrip");
    Producer producer(producer_config(brokers));
    producer.produce_sync(
        {topic,
         "trigger-1",
         R"({"specversion":"1.0"})",
         {{"ce-type", "etp.trigger.fired"}, {"error", ""}, {"bin", std::string("\x01\x00z", 3)}}});

    const auto got = etp::testing::read_topic(brokers, topic, 1, 20s);
    REQUIRE(got.size() == 1);
    CHECK(got[0].topic == topic);
    CHECK(got[0].key == "trigger-1");
    CHECK(got[0].value == R"({"specversion":"1.0"})");
    REQUIRE(got[0].headers.size() == 3);
    CHECK(got[0].header("ce-type") == "etp.trigger.fired");
    CHECK(got[0].header("error") == "");
    CHECK(got[0].header("bin") == std::string("\x01\x00z", 3));
    CHECK(got[0].header("missing") == std::nullopt);
    CHECK(got[0].offset == 0);
    CHECK(got[0].timestamp_ms > 0);
}

TEST_CASE("a tombstone round-trips as a missing value", "[bus]") {
    const std::string& brokers = DevBroker::shared().bootstrap();
    const std::string topic = unique_topic("tombstone");
    Producer producer(producer_config(brokers));
    producer.produce_sync({topic, "trigger-7", "definition", {}});
    producer.produce_sync({topic, "trigger-7", std::nullopt, {}});

    const auto got = etp::testing::read_topic(brokers, topic, 2, 20s);
    REQUIRE(got.size() == 2);
    CHECK(got[0].value == "definition");
    CHECK(got[1].key == "trigger-7");
    CHECK_FALSE(got[1].value.has_value());
    CHECK(got[1].headers.empty());
}

TEST_CASE("1,000 async produces each get one successful callback", "[bus]") {
    const std::string& brokers = DevBroker::shared().bootstrap();
    const std::string topic = unique_topic("async");
    std::atomic<int> succeeded{0};
    std::atomic<int> failed{0};
    {
        ProducerConfig config = producer_config(brokers);
        config.linger_ms = 5;
        Producer producer(config);
        for (int i = 0; i < 1000; ++i) {
            producer.produce(
                {topic, "key-" + std::to_string(i % 10), "value-" + std::to_string(i), {}},
                [&](std::optional<etp::Error> error) { ++(error ? failed : succeeded); });
        }
        CHECK(producer.flush(20s));
        CHECK(succeeded == 1000);
        CHECK(failed == 0);
    }
    CHECK(succeeded == 1000);  // and no second callback from the destructor
    CHECK(etp::testing::read_topic(brokers, topic, 1000, 30s).size() == 1000);
}

TEST_CASE("a new group member resumes after the last committed offset", "[bus]") {
    const std::string& brokers = DevBroker::shared().bootstrap();
    const std::string topic = unique_topic("commit");
    const std::string group = "etp-integration-commit-" + std::to_string(::getpid());
    {
        Producer producer(producer_config(brokers));
        // One key: one partition, offsets 0..9 in order.
        for (int i = 0; i < 10; ++i)
            producer.produce_sync({topic, "same-key", "m" + std::to_string(i), {}});
    }
    {
        Consumer first(consumer_config(brokers, group, topic));
        auto got = poll_for(first, 10, 20s);
        REQUIRE(got.size() == 10);
        for (int i = 0; i < 10; ++i) CHECK(got[i].offset == i);
        first.commit({got.begin(), got.begin() + 5});
        first.close();
        first.close();  // idempotent
    }
    Consumer second(consumer_config(brokers, group, topic));
    const auto started = Clock::now();
    auto got = poll_for(second, 5, 20s);
    INFO("resumed after "
         << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
         << " ms");
    REQUIRE(got.size() == 5);
    for (int i = 0; i < 5; ++i) {
        CHECK(got[i].offset == i + 5);
        CHECK(got[i].value == "m" + std::to_string(i + 5));
    }
    CHECK(second.poll(10, 500ms).empty());  // nothing before offset 5 comes again
}

// The development broker answers a fetch with every message set after the offset that fits
// (deploy/local/patches/) and finds the offset searching from the newest set back: a log of
// one-message sets, as producers that wait for each acknowledgement write it, reads back whole,
// in order and once, from its start and from a committed offset in its middle.
TEST_CASE("a log of 3,000 one-message batches reads back in order from the start and the middle",
          "[bus]") {
    const std::string& brokers = DevBroker::shared().bootstrap();
    const std::string topic = unique_topic("batches");
    const std::string group = "etp-integration-batches-" + std::to_string(::getpid());
    constexpr int kCount = 3000;
    constexpr int kCommitted = 1234;
    {
        Producer producer(producer_config(brokers));  // linger.ms 0: one message per batch
        for (int i = 0; i < kCount; ++i)
            producer.produce_sync({topic, "same-key", "m" + std::to_string(i), {}});
    }
    // Every message from `first` to the end, once, in order.
    auto require_in_order = [&](const std::vector<Message>& got, int first) {
        REQUIRE(got.size() == static_cast<std::size_t>(kCount - first));
        for (int i = first; i < kCount; ++i) {
            INFO("message " << i);
            REQUIRE(got[i - first].offset == i);
            REQUIRE(got[i - first].value == "m" + std::to_string(i));
        }
    };
    {
        Consumer first(consumer_config(brokers, group, topic));
        auto got = poll_for(first, kCount, 60s);
        require_in_order(got, 0);
        first.commit({got.begin(), got.begin() + kCommitted});
        first.close();
    }
    Consumer second(consumer_config(brokers, group, topic));
    require_in_order(poll_for(second, kCount - kCommitted, 60s), kCommitted);
    CHECK(second.poll(10, 500ms).empty());
}

TEST_CASE("check answers for a live broker and names the reason for a dead one", "[bus]") {
    const std::string& brokers = DevBroker::shared().bootstrap();
    {
        Producer producer(producer_config(brokers));
        CHECK(producer.check(5s) == std::nullopt);
        Consumer consumer(consumer_config(brokers, "etp-integration-check", unique_topic("check")));
        CHECK(consumer.check(5s) == std::nullopt);
    }
    const std::string dead = "127.0.0.1:" + std::to_string(closed_port());
    Producer producer(producer_config(dead));
    auto started = Clock::now();
    const auto producer_reason = producer.check(2s);
    CHECK(producer_reason.has_value());
    CHECK(Clock::now() - started < 3s);

    Consumer consumer(consumer_config(dead, "etp-integration-check", "whatever"));
    started = Clock::now();
    const auto consumer_reason = consumer.check(2s);
    CHECK(consumer_reason.has_value());
    CHECK(Clock::now() - started < 3s);
}

// Polls check() until it names `what` or the deadline passes; returns the last reason.
template <typename Client>
std::optional<std::string> check_until(
    Client& client, const std::string& what, std::chrono::milliseconds timeout,
    const std::function<void()>& between = [] {}) {
    std::optional<std::string> reason;
    const auto deadline = Clock::now() + timeout;
    do {
        between();
        reason = client.check(1s);
    } while ((!reason || reason->find(what) == std::string::npos) && Clock::now() < deadline);
    return reason;
}

TEST_CASE("a failed TLS handshake is a readiness reason, not a fatal error", "[bus]") {
    // A TLS client on the development broker's plaintext listener: the handshake fails on
    // every attempt, as with an untrusted certificate.
    const std::string& brokers = DevBroker::shared().bootstrap();
    ProducerConfig config = producer_config(brokers);
    config.extra["security.protocol"] = "ssl";
    config.delivery_timeout = 2s;
    Producer producer(config);
    auto reason = check_until(producer, "kafka TLS handshake failed", 20s);
    REQUIRE(reason);
    // librdkafka words the same failure two ways ("SSL handshake failed: Disconnected", or
    // just "Disconnected" when it noticed while reading); both name the broker.
    CHECK_THAT(*reason, Catch::Matchers::StartsWith("kafka TLS handshake failed: ssl://" + brokers +
                                                    "/bootstrap: "));
    // Not fatal: the producer still takes messages, which time out instead of being refused.
    std::promise<std::optional<etp::Error>> delivered;
    producer.produce({etp::bus::Topics().events(), "k", "v", {}},
                     [&delivered](std::optional<etp::Error> e) { delivered.set_value(e); });
    auto outcome = delivered.get_future();
    REQUIRE(outcome.wait_for(10s) == std::future_status::ready);
    auto error = outcome.get();
    REQUIRE(error);
    CHECK(error->retryable());

    ConsumerConfig consumer_settings =
        consumer_config(brokers, "etp-integration-tls", unique_topic("tls"));
    consumer_settings.extra["security.protocol"] = "ssl";
    Consumer consumer(consumer_settings);
    // The consumer's errors arrive through poll(), which must not throw for them.
    reason = check_until(consumer, "kafka TLS handshake failed", 20s,
                         [&consumer] { CHECK(consumer.poll(10, 200ms).empty()); });
    REQUIRE(reason);
    CHECK_THAT(*reason, Catch::Matchers::StartsWith("kafka TLS handshake failed: "));
}

TEST_CASE("produce_sync to a stopped broker fails as unavailable within the delivery timeout",
          "[bus]") {
    DevBroker broker;
    ProducerConfig config = producer_config(broker.bootstrap());
    config.delivery_timeout = 2s;
    Producer producer(config);
    const std::string topic = etp::bus::Topics().events();
    producer.produce_sync({topic, "k", "before", {}});

    broker.stop();
    const auto started = Clock::now();
    try {
        producer.produce_sync({topic, "k", "after", {}});
        FAIL("produce_sync succeeded against a stopped broker");
    } catch (const etp::Error& e) {
        CHECK(e.kind() == etp::ErrorKind::kUnavailable);
        CHECK(e.retryable());
    }
    CHECK(Clock::now() - started < 3500ms);
}

TEST_CASE("a producer reconnects to a broker restarted on the same port", "[bus]") {
    etp::testing::DevBrokerOptions options;
    options.port = closed_port();
    DevBroker broker(options);
    REQUIRE(broker.bootstrap() == "127.0.0.1:" + std::to_string(options.port));
    ProducerConfig config = producer_config(broker.bootstrap());
    config.delivery_timeout = 20s;
    Producer producer(config);
    const std::string topic = etp::bus::Topics().trigger_fired();
    producer.produce_sync({topic, "k", "first life", {}});

    broker.stop();
    DevBroker restarted(options);  // everything in memory is gone, the address is not
    REQUIRE(restarted.bootstrap() == broker.bootstrap());
    producer.produce_sync({topic, "k", "second life", {}});
    const auto got = etp::testing::read_topic(restarted.bootstrap(), topic, 1, 20s);
    REQUIRE(got.size() == 1);
    CHECK(got[0].value == "second life");
}

TEST_CASE("destroying a producer gives every undelivered message its one failed callback",
          "[bus]") {
    ProducerConfig config = producer_config("127.0.0.1:" + std::to_string(closed_port()));
    config.delivery_timeout = 60s;
    std::atomic<int> failed{0};
    std::atomic<int> succeeded{0};
    const auto started = Clock::now();
    {
        Producer producer(config);
        for (int i = 0; i < 10; ++i) {
            producer.produce({"etp.events", "k", "v", {}}, [&](std::optional<etp::Error> error) {
                ++(error ? failed : succeeded);
            });
        }
    }
    CHECK(failed == 10);
    CHECK(succeeded == 0);
    CHECK(Clock::now() - started < 8s);  // bounded: a 5 s flush, then a purge
}

TEST_CASE("kcat lists the platform's five topics", "[bus]") {
    const auto result = run({"kcat", "-b", DevBroker::shared().bootstrap(), "-L", "-m", "10"});
    REQUIRE(result.exit_code == 0);
    for (const auto& spec : etp::bus::Topics().all()) {
        INFO(result.out);
        CHECK(result.out.find("topic \"" + spec.name + "\" with 16 partitions") !=
              std::string::npos);
    }
}

TEST_CASE("the development broker refuses a port it cannot listen on with a clear error", "[bus]") {
    // librdkafka's mock cluster crashed when its bind failed (port 59092 taken by a lingering
    // connection); the broker now checks its ports first.
    const BoundSocket taken = bound_loopback_socket();
    REQUIRE(::listen(taken.fd, 1) == 0);
    const std::string port = std::to_string(taken.port);

    auto result = etp::testing::run_command(ETP_DEV_BROKER_BIN, {"--port", port}, {}, 20s);
    ::close(taken.fd);
    CHECK(result.exit_code == 1);
    std::string expected = "cannot listen on 127.0.0.1:";
    expected += port;
    CHECK_THAT(result.err, Catch::Matchers::Contains(expected));
    CHECK(result.out.find("bootstrap=") == std::string::npos);
}

TEST_CASE("an ack batch answers once the broker acknowledged every message", "[bus]") {
    Producer producer(producer_config(DevBroker::shared().bootstrap()));
    const std::string topic = unique_topic("ack_batch");
    AckBatch batch(producer);
    std::atomic<int> acked{0};
    for (int i = 0; i < 200; ++i) batch.produce(numbered(topic, i), [&acked] { ++acked; });
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
    ProducerConfig config = producer_config("127.0.0.1:" + std::to_string(closed_port()));
    config.delivery_timeout = 2s;
    Producer producer(config);
    AckBatch batch(producer);
    std::atomic<int> acked{0};
    for (int i = 0; i < 3; ++i)
        batch.produce(numbered("test.ack_batch.nobody", i), [&acked] { ++acked; });

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
    ProducerConfig config = producer_config("127.0.0.1:" + std::to_string(closed_port()));
    config.delivery_timeout = 2s;
    Producer producer(config);
    AckBatch batch(producer);
    batch.produce(numbered("test.ack_batch.nobody", 0));
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
