#pragma once
// etp-topics' run: reads the cluster, creates the missing topics (unless --check), compares
// the existing ones with what is wanted, prints one line per topic. Blocking, for about
// config.timeout at most; not thread-safe.

#include <map>
#include <ostream>
#include <string>

#include "etp/bus/topic_admin.hpp"
#include "topics_config.hpp"

namespace etp::topics {

// The one place the command's Kafka client is configured. `client_properties` are extra
// librdkafka properties (security.protocol, sasl.*, ssl.*, ...), set over the defaults.
bus::TopicAdminConfig make_admin_config(
    const TopicsConfig& config, const std::map<std::string, std::string>& client_properties);

// Prints one line per topic on `out` and run-level problems (Kafka unreachable, a broker
// without the Admin API) on `err`; returns the exit code (topic_report.hpp). Throws
// Error(kInternal) when librdkafka rejects a client property.
int run_topics(const TopicsConfig& config,
               const std::map<std::string, std::string>& client_properties, std::ostream& out,
               std::ostream& err);

}  // namespace etp::topics
