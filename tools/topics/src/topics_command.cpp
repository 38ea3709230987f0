#include "topics_command.hpp"

#include <algorithm>
#include <optional>

#include "etp/bus/topic_catalog.hpp"
#include "etp/runtime/log.hpp"
#include "topic_drift.hpp"
#include "topic_plan.hpp"
#include "topic_report.hpp"

namespace etp::topics {
namespace {

using Clock = std::chrono::steady_clock;

// A request started when the run's time is (nearly) up still gets this long.
constexpr std::chrono::milliseconds kMinRequestTimeout{500};

class Deadline {
 public:
    explicit Deadline(std::chrono::milliseconds timeout) : end_(Clock::now() + timeout) {}
    std::chrono::milliseconds remaining() const {
        return std::max(kMinRequestTimeout,
                        std::chrono::duration_cast<std::chrono::milliseconds>(end_ - Clock::now()));
    }

 private:
    Clock::time_point end_;
};

// The state of a run: one report per wanted topic, and what went wrong for the whole run.
struct Run {
    std::vector<WantedTopic> wanted;
    std::vector<TopicReport> reports;
    bool unreachable = false;
    // Set when the broker cannot serve the Admin API: what it lacks.
    std::optional<std::string> no_admin_api;

    void fail(const std::vector<std::size_t>& which, const std::string& why) {
        for (std::size_t i : which) reports[i] = {wanted[i].name, TopicStatus::kFailed, {why}, {}};
    }
    // A request-level failure fails every topic it was for.
    void fail_request(const std::vector<std::size_t>& which, const Error& error) {
        if (const auto* unsupported = dynamic_cast<const bus::UnsupportedByBroker*>(&error)) {
            no_admin_api = "does not support " + unsupported->request();
            fail(which, "the broker does not support " + unsupported->request());
            return;
        }
        if (error.kind() == ErrorKind::kUnavailable) unreachable = true;
        fail(which, error.what());
    }
};

void log_capped_replication(const std::vector<WantedTopic>& wanted, int broker_count) {
    for (const auto& topic : wanted) {
        if (topic.replication_factor < topic.catalog_replication_factor) {
            log::info("replication factor capped at the number of brokers",
                      {{"wanted", topic.catalog_replication_factor},
                       {"brokers", broker_count},
                       {"replication_factor", topic.replication_factor}});
            return;
        }
    }
}

// Creates the topics at `missing`; those that another client created meanwhile move to
// `existing`.
void create_missing(bus::TopicAdmin& admin, const Deadline& deadline, Run& run,
                    const std::vector<std::size_t>& missing, std::vector<std::size_t>& existing) {
    std::vector<bus::NewTopic> new_topics;
    for (std::size_t i : missing) {
        const WantedTopic& topic = run.wanted[i];
        new_topics.push_back(
            {topic.name, topic.partitions, topic.replication_factor, topic.configs});
    }
    std::vector<bus::TopicCreateFailure> failures;
    try {
        failures = admin.create_topics(new_topics, deadline.remaining());
    } catch (const Error& e) {
        run.fail_request(missing, e);
        return;
    }
    for (std::size_t i : missing) {
        const auto failure = std::find_if(failures.begin(), failures.end(), [&](const auto& f) {
            return f.name == run.wanted[i].name;
        });
        if (failure == failures.end()) {
            run.reports[i] = {run.wanted[i].name, TopicStatus::kCreated, {}, {}};
        } else if (failure->already_exists) {
            existing.push_back(i);
        } else {
            run.reports[i] = {run.wanted[i].name,
                              TopicStatus::kFailed,
                              {failure->error + ": " + failure->reason},
                              {}};
        }
    }
}

void compare_existing(bus::TopicAdmin& admin, const Deadline& deadline,
                      const bus::ClusterMetadata& cluster, Run& run,
                      const std::vector<std::size_t>& existing) {
    std::vector<std::string> names;
    for (std::size_t i : existing) names.push_back(run.wanted[i].name);
    std::map<std::string, bus::TopicConfigs> described;
    try {
        described = admin.describe_configs(names, deadline.remaining());
    } catch (const Error& e) {
        run.fail_request(existing, e);
        return;
    }
    for (std::size_t i : existing) {
        const WantedTopic& wanted = run.wanted[i];
        const auto configs = described.find(wanted.name);
        const auto topic = cluster.topics.find(wanted.name);
        if (configs == described.end() || topic == cluster.topics.end()) {
            run.fail({i}, "not in the broker's answer");
        } else if (configs->second.error) {
            run.fail({i}, "cannot describe its configs: " + *configs->second.error);
        } else {
            const Comparison comparison =
                compare_topic(wanted, {topic->second.partitions, topic->second.replication_factor,
                                       configs->second.values});
            run.reports[i] = {wanted.name,
                              comparison.drift.empty() ? TopicStatus::kOk : TopicStatus::kDrift,
                              comparison.drift, comparison.notes};
        }
    }
}

}  // namespace

bus::TopicAdminConfig make_admin_config(
    const TopicsConfig& config, const std::map<std::string, std::string>& client_properties) {
    bus::TopicAdminConfig admin;
    admin.brokers = config.kafka_brokers;
    admin.client_id = "etp-topics";
    admin.extra = client_properties;
    return admin;
}

int run_topics(const TopicsConfig& config,
               const std::map<std::string, std::string>& client_properties, std::ostream& out,
               std::ostream& err) {
    const Deadline deadline(config.timeout);
    bus::TopicAdmin admin(make_admin_config(config, client_properties));

    bus::ClusterMetadata cluster;
    try {
        cluster = admin.metadata(deadline.remaining());
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::kUnavailable) throw;
        err << "etp-topics: no answer from Kafka at " << config.kafka_brokers << " within "
            << format_ms(config.timeout.count()) << ": " << e.what() << "\n";
        return kExitUnreachable;
    }

    Run run;
    PlanInput input;
    input.prefix = config.topic_prefix;
    input.event_retain_for = config.event_retain_for;
    if (config.replication_factor > 0)
        input.replication_factor = static_cast<int>(config.replication_factor);
    input.broker_count = cluster.broker_count();
    run.wanted = plan_topics(bus::topic_catalog(), input);
    if (!input.replication_factor) log_capped_replication(run.wanted, cluster.broker_count());
    run.reports.resize(run.wanted.size());

    std::vector<std::size_t> missing;
    std::vector<std::size_t> existing;
    for (std::size_t i = 0; i < run.wanted.size(); ++i) {
        (cluster.topics.contains(run.wanted[i].name) ? existing : missing).push_back(i);
    }
    if (!cluster.controller_listed()) {
        // Every request would wait for a controller until the timeout: say so at once.
        run.no_admin_api = "names no controller among its brokers (controller id " +
                           std::to_string(cluster.controller_id) +
                           "), and the Admin API sends its requests to the controller";
        if (!config.check) {
            run.fail(missing, "no controller to create it");
            missing.clear();
        }
        run.fail(existing, "no controller to describe it");
        existing.clear();
    }
    if (config.check) {
        for (std::size_t i : missing)
            run.reports[i] = {run.wanted[i].name, TopicStatus::kMissing, {}, {}};
    } else if (!missing.empty()) {
        const std::size_t existed = existing.size();
        create_missing(admin, deadline, run, missing, existing);
        // Created by someone else since the metadata was read: read it again to compare them.
        if (existing.size() > existed) {
            try {
                cluster = admin.metadata(deadline.remaining());
            } catch (const Error& e) {
                run.fail_request(existing, e);
                existing.clear();
            }
        }
    }
    if (!existing.empty()) compare_existing(admin, deadline, cluster, run, existing);

    for (const auto& report : run.reports) out << format_line(report) << "\n";
    out.flush();
    if (run.no_admin_api) {
        err << "etp-topics: Kafka at " << config.kafka_brokers << " " << *run.no_admin_api
            << ". The development broker (librdkafka's mock cluster) has no Admin API; with "
               "ETP_BROKER=dev it creates the platform's topics itself\n";
    }
    if (run.unreachable) {
        err << "etp-topics: Kafka at " << config.kafka_brokers << " stopped answering within "
            << format_ms(config.timeout.count()) << "\n";
        return kExitUnreachable;
    }
    return exit_code_for(run.reports);
}

}  // namespace etp::topics
