#include "etp/bus/topic_admin.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "rdkafka_support.hpp"

namespace etp::bus {

using detail::AdminOptionsPtr;
using detail::ConfigResourcePtr;
using detail::EventPtr;
using detail::KafkaPtr;
using detail::MetadataPtr;
using detail::NewTopicPtr;
using detail::QueuePtr;

namespace {

// How much longer than a request's own timeout we wait for its result: librdkafka emits a
// timed-out result itself once the request timeout has passed, so this is only a backstop.
constexpr std::chrono::seconds kResultGrace{5};

bool is_unreachable(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
           err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__RESOLVE ||
           err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT;
}

[[noreturn]] void throw_request_failure(const std::string& request, rd_kafka_resp_err_t err,
                                        const char* detail) {
    const std::string message =
        "kafka " + request + " failed: " +
        (detail != nullptr && *detail != '\0' ? std::string(detail) : rd_kafka_err2str(err));
    if (err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE) throw UnsupportedByBroker(request, message);
    if (is_unreachable(err)) throw Error(ErrorKind::kUnavailable, message, true);
    throw Error(ErrorKind::kInternal, message);
}

std::string reason_or_name(rd_kafka_resp_err_t err, const char* reason) {
    return reason != nullptr && *reason != '\0' ? std::string(reason) : rd_kafka_err2str(err);
}

}  // namespace

struct TopicAdmin::Impl {
    explicit Impl(const TopicAdminConfig& config);

    // Options for one request: its timeout and, for requests the controller completes
    // (CreateTopics), how long the broker may take before it answers.
    AdminOptionsPtr options(rd_kafka_admin_op_t op, std::chrono::milliseconds timeout,
                            bool operation_timeout);
    // Waits for the result on `queue` and throws for a request-level error.
    EventPtr wait(rd_kafka_queue_t* queue, const std::string& request, rd_kafka_event_type_t type,
                  std::chrono::milliseconds timeout);

    detail::ClientContext context_;
    // Declared last: its callbacks use context_.
    KafkaPtr rk_;
};

TopicAdmin::Impl::Impl(const TopicAdminConfig& config) {
    context_.role = "admin";
    context_.owner = this;
    std::map<std::string, std::string> properties = {
        {"bootstrap.servers", config.brokers},
        {"client.id", config.client_id},
    };
    for (const auto& [name, value] : config.extra) properties[name] = value;
    // Any handle type serves the Admin API; a producer that never produces does no other work.
    rk_ = detail::make_handle(RD_KAFKA_PRODUCER, detail::make_conf(properties, context_), context_);
}

AdminOptionsPtr TopicAdmin::Impl::options(rd_kafka_admin_op_t op, std::chrono::milliseconds timeout,
                                          bool operation_timeout) {
    AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk_.get(), op));
    std::array<char, 512> errstr{};
    if (rd_kafka_AdminOptions_set_request_timeout(options.get(), detail::to_ms(timeout),
                                                  errstr.data(),
                                                  errstr.size()) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        (operation_timeout && rd_kafka_AdminOptions_set_operation_timeout(
                                  options.get(), detail::to_ms(timeout), errstr.data(),
                                  errstr.size()) != RD_KAFKA_RESP_ERR_NO_ERROR)) {
        throw Error(ErrorKind::kInvalidInput,
                    "kafka admin timeout rejected: " + std::string(errstr.data()));
    }
    return options;
}

EventPtr TopicAdmin::Impl::wait(rd_kafka_queue_t* queue, const std::string& request,
                                rd_kafka_event_type_t type, std::chrono::milliseconds timeout) {
    EventPtr event(rd_kafka_queue_poll(queue, detail::to_ms(timeout + kResultGrace)));
    // Serves the error callback (connection trouble is logged there).
    rd_kafka_poll(rk_.get(), 0);
    if (!event) {
        throw Error(ErrorKind::kUnavailable,
                    "kafka " + request + ": no result within " +
                        std::to_string((timeout + kResultGrace).count()) + " ms",
                    true);
    }
    if (rd_kafka_event_type(event.get()) != type) {
        throw Error(ErrorKind::kInternal, "kafka " + request + ": unexpected result " +
                                              std::string(rd_kafka_event_name(event.get())));
    }
    if (const rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw_request_failure(request, err, rd_kafka_event_error_string(event.get()));
    }
    return event;
}

bool ClusterMetadata::controller_listed() const {
    return std::find(broker_ids.begin(), broker_ids.end(), controller_id) != broker_ids.end();
}

TopicAdmin::TopicAdmin(const TopicAdminConfig& config) : impl_(std::make_unique<Impl>(config)) {}

TopicAdmin::~TopicAdmin() = default;

ClusterMetadata TopicAdmin::metadata(std::chrono::milliseconds timeout) {
    const rd_kafka_metadata_t* raw = nullptr;
    // All topics: a request naming topics lets a broker that auto-creates topics create them.
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(impl_->rk_.get(), 1, nullptr, &raw, detail::to_ms(timeout));
    MetadataPtr metadata(raw);
    rd_kafka_poll(impl_->rk_.get(), 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw_request_failure("Metadata", err, nullptr);
    ClusterMetadata cluster;
    for (int b = 0; b < metadata->broker_cnt; ++b)
        cluster.broker_ids.push_back(metadata->brokers[b].id);
    // Cached by the metadata request that just finished: does not block.
    cluster.controller_id = rd_kafka_controllerid(impl_->rk_.get(), 0);
    for (int t = 0; t < metadata->topic_cnt; ++t) {
        const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
        if (topic.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
        ObservedTopic observed{topic.topic, topic.partition_cnt, 0};
        for (int p = 0; p < topic.partition_cnt; ++p) {
            const int replicas = topic.partitions[p].replica_cnt;
            observed.replication_factor =
                p == 0 ? replicas : std::min(observed.replication_factor, replicas);
        }
        cluster.topics.emplace(observed.name, std::move(observed));
    }
    return cluster;
}

std::map<std::string, TopicConfigs> TopicAdmin::describe_configs(
    const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
    std::map<std::string, TopicConfigs> described;
    if (topics.empty()) return described;
    std::vector<ConfigResourcePtr> owned;
    std::vector<rd_kafka_ConfigResource_t*> resources;
    for (const auto& name : topics) {
        owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
        resources.push_back(owned.back().get());
    }
    AdminOptionsPtr options = impl_->options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout, false);
    QueuePtr queue(rd_kafka_queue_new(impl_->rk_.get()));
    // Copies the resources: ours are still destroyed by `owned`.
    rd_kafka_DescribeConfigs(impl_->rk_.get(), resources.data(), resources.size(), options.get(),
                             queue.get());
    EventPtr event =
        impl_->wait(queue.get(), "DescribeConfigs", RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout);
    // The results live as long as the event.
    std::size_t count = 0;
    const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(event.get()), &count);
    for (std::size_t i = 0; i < count; ++i) {
        TopicConfigs configs;
        if (const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[i]);
            err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            configs.error = std::string(rd_kafka_err2name(err)) + ": " +
                            reason_or_name(err, rd_kafka_ConfigResource_error_string(results[i]));
        } else {
            std::size_t entries = 0;
            const rd_kafka_ConfigEntry_t** entry =
                rd_kafka_ConfigResource_configs(results[i], &entries);
            for (std::size_t e = 0; e < entries; ++e) {
                const char* value = rd_kafka_ConfigEntry_value(entry[e]);
                if (value != nullptr)
                    configs.values.emplace(rd_kafka_ConfigEntry_name(entry[e]), value);
            }
        }
        described.emplace(rd_kafka_ConfigResource_name(results[i]), std::move(configs));
    }
    return described;
}

std::vector<TopicCreateFailure> TopicAdmin::create_topics(const std::vector<NewTopic>& topics,
                                                          std::chrono::milliseconds timeout) {
    std::vector<TopicCreateFailure> failures;
    if (topics.empty()) return failures;
    std::array<char, 512> errstr{};
    std::vector<NewTopicPtr> owned;
    std::vector<rd_kafka_NewTopic_t*> new_topics;
    for (const NewTopic& topic : topics) {
        owned.emplace_back(rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions,
                                                 topic.replication_factor, errstr.data(),
                                                 errstr.size()));
        if (!owned.back()) {
            throw Error(ErrorKind::kInvalidInput,
                        "topic " + topic.name + " rejected: " + std::string(errstr.data()));
        }
        for (const auto& [name, value] : topic.configs) {
            if (const rd_kafka_resp_err_t err =
                    rd_kafka_NewTopic_set_config(owned.back().get(), name.c_str(), value.c_str());
                err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                throw Error(ErrorKind::kInvalidInput, "topic " + topic.name + " config " + name +
                                                          " rejected: " + rd_kafka_err2str(err));
            }
        }
        new_topics.push_back(owned.back().get());
    }
    AdminOptionsPtr options = impl_->options(RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout, true);
    QueuePtr queue(rd_kafka_queue_new(impl_->rk_.get()));
    // Copies the topics: ours are still destroyed by `owned`.
    rd_kafka_CreateTopics(impl_->rk_.get(), new_topics.data(), new_topics.size(), options.get(),
                          queue.get());
    EventPtr event =
        impl_->wait(queue.get(), "CreateTopics", RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout);
    // The results live as long as the event.
    std::size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(
        rd_kafka_event_CreateTopics_result(event.get()), &count);
    for (std::size_t i = 0; i < count; ++i) {
        const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        failures.push_back({rd_kafka_topic_result_name(results[i]), rd_kafka_err2name(err),
                            reason_or_name(err, rd_kafka_topic_result_error_string(results[i])),
                            err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS});
    }
    return failures;
}

}  // namespace etp::bus
