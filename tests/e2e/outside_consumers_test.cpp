// Outside consumers, as users run them against the platform's Apache Kafka: a confluent-kafka
// (Python) consumer group that starts at the end of etp.events (auto.offset.reset=latest) gets
// each fired event within 2 s, and kcat reads the CloudEvents headers of every message.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "platform.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

double unix_seconds_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The lines of a process's output that parse as JSON objects.
std::vector<json> json_lines(const std::string& output) {
    std::vector<json> out;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        auto value = json::parse(line, nullptr, false);
        if (value.is_object()) out.push_back(std::move(value));
    }
    return out;
}

}  // namespace

TEST_CASE("a consumer group at 'latest' gets each event within 2 s, with CloudEvents headers") {
    auto& broker = etp::testing::KafkaBroker::shared();
    etp::e2e::Api api = etp::e2e::api();
    auto created = api.post("/api/v1/triggers", {{"name", "outside consumer"}, {"type", "api"}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    const std::string trigger_id = json::parse(created->body)["id"];

    constexpr int kEvents = 10;
    etp::testing::ServiceProcess consumer(
        "/usr/bin/python3", {},
        {ETP_E2E_CLIENTS_DIR "/latest_consumer.py", broker.bootstrap(), "etp.events",
         "outside-latest-" + trigger_id, "--count", std::to_string(kEvents), "--timeout", "120",
         "--key", trigger_id});
    consumer.start();
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (consumer.output().find("ready\n") == std::string::npos) {
        INFO(consumer.output());
        REQUIRE(consumer.running());
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(50ms);
    }

    // Fired one at a time, a little apart: each must arrive on its own within 2 s.
    std::map<std::string, double> fired_at;
    for (int i = 0; i < kEvents; ++i) {
        auto fired = api.post("/api/v1/triggers/" + trigger_id + "/fire", {{"n", i}});
        REQUIRE(fired);
        REQUIRE(fired->status == 202);
        fired_at[json::parse(fired->body)["event_id"]] = unix_seconds_now();
        std::this_thread::sleep_for(200ms);
    }
    auto code = consumer.wait_exit(60s);
    INFO(consumer.output());
    REQUIRE(code);
    CHECK(*code == 0);

    std::map<std::string, json> received;
    for (auto& line : json_lines(consumer.output())) {
        REQUIRE_FALSE(line.contains("error"));
        received[line["value"]["id"]] = line;
    }
    REQUIRE(received.size() == fired_at.size());
    for (const auto& [event_id, at] : fired_at) {
        INFO(event_id);
        REQUIRE(received.count(event_id) == 1);
        const json& message = received[event_id];
        CHECK(message["received_at"].get<double>() - at <= 2.0);
        // Structured mode of the CloudEvents Kafka binding: the attributes in the headers too.
        const json& headers = message["headers"];
        CHECK(headers.value("content-type", "") == "application/cloudevents+json; charset=UTF-8");
        CHECK(headers.value("ce_id", "") == event_id);
        CHECK(headers.value("ce_type", "") == "etp.event.logged");
        CHECK(headers.value("ce_specversion", "") == "1.0");
        CHECK(headers.value("ce_source", "") == message["value"]["source"]);
        CHECK(headers.value("ce_time", "") == message["value"]["time"]);
    }

    // kcat, the command-line consumer, shows the same headers.
    auto kcat = etp::testing::run_command("/usr/bin/kcat",
                                          {"-b", broker.bootstrap(), "-C", "-t", "etp.events", "-e",
                                           "-q", "-o", "beginning", "-f", "%k\t%h\n"},
                                          {}, 60s);
    REQUIRE(kcat.exit_code == 0);
    std::size_t with_headers = 0;
    std::istringstream lines(kcat.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(trigger_id + "\t", 0) != 0) continue;
        const std::string headers = line.substr(trigger_id.size() + 1);
        if (headers.find("ce_type=etp.event.logged") == std::string::npos) continue;
        if (headers.find("content-type=application/cloudevents+json") == std::string::npos)
            continue;
        for (const auto& [event_id, at] : fired_at)
            if (headers.find("ce_id=" + event_id) != std::string::npos) ++with_headers;
    }
    INFO(kcat.out.substr(0, 4000));
    CHECK(with_headers == fired_at.size());
}
