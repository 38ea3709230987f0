// etp-topics against a real Apache Kafka (4.x, KRaft, auto-creation off): it creates the
// platform's topics with their configs, finds them ok on the next run, reports a topic that
// differs and leaves it as it is; and it says clearly when Kafka does not answer or is the
// development broker, which has no Admin API. Each test uses its own topic prefix, so they
// share one broker.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "etp/bus/topic_admin.hpp"
#include "etp/testing/dev_broker.hpp"
#include "etp/testing/kafka_broker.hpp"
#include "etp/testing/service_process.hpp"

namespace {

// Apache Kafka from the harness, without the platform's topics: creating them is under test.
etp::testing::KafkaBroker& kafka() {
    static etp::testing::KafkaBroker broker([] {
        etp::testing::KafkaBrokerOptions options;
        options.create_topics = false;
        return options;
    }());
    return broker;
}

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using etp::testing::CommandResult;
using etp::testing::Env;
using Lines = std::vector<std::string>;

const std::vector<std::string> kSuffixes = {"trigger.changes", "trigger.fired", "events",
                                            "cdc.changes", "deliveries.dead"};

CommandResult run_topics(const std::string& brokers, const std::string& prefix, Env extra = {},
                         std::vector<std::string> args = {}) {
    Env env = {{"KAFKA_BROKERS", brokers},
               {"KAFKA_TOPIC_PREFIX", prefix},
               {"EVENT_RETAIN_FOR", "48h"},
               {"KAFKA_TOPIC_REPLICATION_FACTOR", "0"},
               {"LOG_LEVEL", "info"}};
    for (auto& [name, value] : extra) env[name] = value;
    return etp::testing::run_command(ETP_TOPICS_BIN, args, env, 120s);
}

Lines lines_of(const std::string& text) {
    Lines lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

Lines each(const std::string& prefix, const std::string& status) {
    Lines lines;
    for (const auto& suffix : kSuffixes) lines.push_back(prefix + suffix + ": " + status);
    return lines;
}

etp::bus::TopicAdmin admin_for(const std::string& brokers) {
    return etp::bus::TopicAdmin({brokers, "etp-integration-topics", {}});
}

// What the cluster says about one topic: partitions, replicas and configs.
struct Described {
    etp::bus::ObservedTopic topic;
    std::map<std::string, std::string> configs;
};

// Polls: a topic just created may take a moment to show in every broker's metadata.
Described describe(const std::string& brokers, const std::string& name) {
    auto admin = admin_for(brokers);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::string last = "not listed";
    while (std::chrono::steady_clock::now() < deadline) {
        const auto cluster = admin.metadata(5s);
        if (auto it = cluster.topics.find(name); it != cluster.topics.end()) {
            const auto configs = admin.describe_configs({name}, 5s);
            const auto& described = configs.at(name);
            if (!described.error) return {it->second, described.values};
            last = *described.error;
        }
        std::this_thread::sleep_for(100ms);
    }
    FAIL("cannot describe " << name << ": " << last);
    throw std::logic_error("unreachable");
}

bool listed(const std::string& brokers, const std::string& name) {
    return admin_for(brokers).metadata(5s).topics.contains(name);
}

// A loopback port bound but not listening: connections to it are refused while it lives.
class RefusingPort {
 public:
    RefusingPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(addr);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
    }
    ~RefusingPort() { ::close(fd_); }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace

TEST_CASE("etp-topics creates every topic with its configs, then finds them ok") {
    const std::string brokers = kafka().bootstrap();
    const CommandResult first = run_topics(brokers, "create.", {{"EVENT_RETAIN_FOR", "72h"}});
    INFO(first.err);
    CHECK(first.exit_code == 0);
    CHECK(lines_of(first.out) == each("create.", "created"));
    // One broker: the catalog's replication factor of 3 is capped, and the log says so.
    CHECK_THAT(first.err, Contains("replication factor capped at the number of brokers"));

    for (const auto& suffix : kSuffixes) {
        const Described d = describe(brokers, "create." + suffix);
        INFO(suffix);
        CHECK(d.topic.partitions == 16);
        CHECK(d.topic.replication_factor == 1);
        CHECK(d.configs.at("min.insync.replicas") == "1");
        CHECK(d.configs.at("cleanup.policy") ==
              (suffix == "trigger.changes" ? "compact" : "delete"));
    }
    CHECK(describe(brokers, "create.events").configs.at("retention.ms") == "259200000");  // 72h
    CHECK(describe(brokers, "create.trigger.fired").configs.at("retention.ms") == "604800000");
    CHECK(describe(brokers, "create.cdc.changes").configs.at("retention.ms") == "604800000");
    CHECK(describe(brokers, "create.deliveries.dead").configs.at("retention.ms") == "2592000000");

    const CommandResult second = run_topics(brokers, "create.", {{"EVENT_RETAIN_FOR", "72h"}});
    INFO(second.err);
    CHECK(second.exit_code == 0);
    CHECK(lines_of(second.out) == each("create.", "ok"));

    // A longer event log than the topic keeps is drift; a shorter one is fine.
    const CommandResult longer = run_topics(brokers, "create.", {{"EVENT_RETAIN_FOR", "4d"}});
    CHECK(longer.exit_code == 1);
    CHECK(lines_of(longer.out).at(2) ==
          "create.events: drift: retention.ms=259200000 (3d), wanted at least 345600000 (4d)");
    const CommandResult shorter =
        run_topics(brokers, "create.", {{"EVENT_RETAIN_FOR", "1h"}}, {"--check"});
    CHECK(shorter.exit_code == 0);
    CHECK(lines_of(shorter.out).at(2) ==
          "create.events: ok (retention.ms=259200000 (3d), longer than 3600000 (1h))");
}

TEST_CASE("etp-topics reports a topic that differs and leaves it unchanged") {
    const std::string brokers = kafka().bootstrap();
    const std::string name = "drift.trigger.changes";
    // As someone created it by hand: too few partitions, not compacted.
    CHECK(admin_for(brokers)
              .create_topics({{name, 4, 1, {{"cleanup.policy", "delete"}}}}, 30s)
              .empty());
    describe(brokers, name);

    for (int run = 0; run < 2; ++run) {
        const CommandResult result = run_topics(brokers, "drift.");
        INFO("run " << run << ": " << result.err);
        CHECK(result.exit_code == 1);
        Lines expected = each("drift.", run == 0 ? "created" : "ok");
        expected[0] =
            name + ": drift: 4 partitions, wanted 16; cleanup.policy=delete, wanted compact";
        CHECK(lines_of(result.out) == expected);
    }
    const Described after = describe(brokers, name);
    CHECK(after.topic.partitions == 4);
    CHECK(after.configs.at("cleanup.policy") == "delete");
}

TEST_CASE("etp-topics --check reports missing topics and creates nothing") {
    const std::string brokers = kafka().bootstrap();
    const CommandResult result = run_topics(brokers, "check.", {}, {"--check"});
    INFO(result.err);
    CHECK(result.exit_code == 1);
    CHECK(lines_of(result.out) == each("check.", "missing"));
    for (const auto& suffix : kSuffixes) CHECK_FALSE(listed(brokers, "check." + suffix));
}

TEST_CASE("etp-topics exits 3 when Kafka does not answer within --timeout") {
    const RefusingPort port;
    const auto start = std::chrono::steady_clock::now();
    const CommandResult result = run_topics(port.address(), "down.", {}, {"--timeout=2s"});
    CHECK(result.exit_code == 3);
    CHECK(result.out.empty());
    CHECK_THAT(result.err,
               Contains("etp-topics: no answer from Kafka at " + port.address() + " within 2s"));
    CHECK(std::chrono::steady_clock::now() - start < 15s);
}

TEST_CASE("etp-topics says the development broker has no Admin API") {
    etp::testing::DevBroker dev;
    const auto start = std::chrono::steady_clock::now();
    const CommandResult result = run_topics(dev.bootstrap(), "etp.");
    CHECK(result.exit_code == 1);
    CHECK(lines_of(result.out) == each("etp.", "failed: no controller to describe it"));
    CHECK_THAT(result.err, Contains("names no controller among its brokers"));
    CHECK_THAT(result.err, Contains("with ETP_BROKER=dev it creates the platform's topics itself"));
    // At once, not after the timeout every admin request would wait for a controller.
    CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("etp-topics refuses a bad setting with one line and exit 2") {
    const CommandResult result =
        run_topics("127.0.0.1:9", "bad.", {{"KAFKA_TOPIC_REPLICATION_FACTOR", "three"}});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(lines_of(result.err) ==
          Lines{"etp-topics: invalid configuration: KAFKA_TOPIC_REPLICATION_FACTOR=\"three\" "
                "must be an integer from 0 to 32767"});
}
