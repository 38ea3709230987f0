#pragma once
// Kafka's Admin API for topics over librdkafka: cluster metadata, topic configs, topic
// creation. It never alters nor deletes a topic. Not thread-safe: one thread uses an instance.
// Every call blocks for at most about its timeout. librdkafka's log lines go to etp::log.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/error.hpp"

namespace etp::bus {

struct TopicAdminConfig {
    std::string brokers;
    std::string client_id = "etp-admin";
    std::map<std::string, std::string> extra;  // any librdkafka property (security settings)
};

struct ObservedTopic {
    std::string name;
    int partitions = 0;
    int replication_factor = 0;  // the fewest replicas any of its partitions has
};

struct ClusterMetadata {
    std::vector<int> broker_ids;
    int controller_id = -1;                       // as the brokers report it; -1: none
    std::map<std::string, ObservedTopic> topics;  // every topic the cluster lists, by name

    int broker_count() const { return static_cast<int>(broker_ids.size()); }
    // Admin requests go to the controller, so it must be one of the brokers. librdkafka's mock
    // cluster (the development broker) names none of its brokers: requests wait for a
    // controller until they time out.
    bool controller_listed() const;
};

struct NewTopic {
    std::string name;
    int partitions = 0;
    int replication_factor = 0;
    std::map<std::string, std::string> configs;
};

// What CreateTopics answered for one topic it did not create.
struct TopicCreateFailure {
    std::string name;
    std::string error;   // Kafka's error name, e.g. "INVALID_REPLICATION_FACTOR"
    std::string reason;  // the broker's message
    bool already_exists = false;
};

// One topic's configs as the broker reports them (its defaults included), or why not.
struct TopicConfigs {
    std::map<std::string, std::string> values;  // sensitive ones (no value given) left out
    std::optional<std::string> error;
};

// The broker does not implement an Admin API request: librdkafka's mock cluster (the
// development broker) implements neither CreateTopics nor DescribeConfigs.
class UnsupportedByBroker : public Error {
 public:
    UnsupportedByBroker(std::string request, const std::string& message)
        : Error(ErrorKind::kInternal, message), request_(std::move(request)) {}
    const std::string& request() const noexcept { return request_; }  // e.g. "CreateTopics"

 private:
    std::string request_;
};

class TopicAdmin {
 public:
    // Throws Error(kInternal) when librdkafka rejects a property. Connects lazily.
    explicit TopicAdmin(const TopicAdminConfig& config);
    ~TopicAdmin();
    TopicAdmin(const TopicAdmin&) = delete;
    TopicAdmin& operator=(const TopicAdmin&) = delete;

    // Brokers and every topic. Throws Error(kUnavailable) when no broker answers in time.
    ClusterMetadata metadata(std::chrono::milliseconds timeout);
    // The configs of each named topic, keyed by name. Throws Error(kUnavailable) when no broker
    // answers in time, UnsupportedByBroker, Error(kInternal) on any other failed request.
    std::map<std::string, TopicConfigs> describe_configs(const std::vector<std::string>& topics,
                                                         std::chrono::milliseconds timeout);
    // Creates the topics; returns those the broker did not create (empty: all created). The
    // broker is asked to finish creating them within the timeout before it answers. Throws as
    // describe_configs does.
    std::vector<TopicCreateFailure> create_topics(const std::vector<NewTopic>& topics,
                                                  std::chrono::milliseconds timeout);

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace etp::bus
