// etp-dev-broker: the development Kafka broker (librdkafka's mock cluster). See
// docs/configuration.md (scripts/run).

#include <csignal>
#include <cstdio>
#include <iostream>

#include "etp/dev_broker/mock_cluster.hpp"
#include "etp/dev_broker/port_override.hpp"
#include "etp/domain/error.hpp"
#include "etp/runtime/log.hpp"

int main(int argc, char** argv) {
    etp::log::init("dev-broker", etp::log::Level::kInfo);
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
        std::cout << etp::dev_broker::usage();
        return 0;
    }
    etp::dev_broker::Options options;
    try {
        options = etp::dev_broker::parse_options(args);
    } catch (const etp::ValidationError& e) {
        for (const auto& error : e.errors())
            std::cerr << error.pointer << ": " << error.message << "\n";
        std::cerr << etp::dev_broker::usage();
        return 2;
    }

    // Block the stop signals before librdkafka starts threads, so they all inherit the mask
    // and sigwait below is the only receiver.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    if (options.port != 0) {
        if (auto busy = etp::dev_broker::unavailable_port(options.port, options.brokers)) {
            etp::log::error("dev broker failed",
                            {{"error", "cannot listen on " + *busy +
                                           " (another process has the port, or a connection "
                                           "that used it lingers; choose another --port)"}});
            return 1;
        }
    }
    try {
        etp::dev_broker::set_base_port(options.port);
        etp::dev_broker::MockCluster cluster(options);
        etp::dev_broker::set_base_port(0);
        std::cout << "bootstrap=" << cluster.bootstrap() << std::endl;
        if (!options.address_file.empty()) {
            etp::dev_broker::write_file_atomically(options.address_file,
                                                   cluster.bootstrap() + "\n");
        }
        etp::log::info("dev broker ready", {{"bootstrap", cluster.bootstrap()},
                                            {"brokers", options.brokers},
                                            {"partitions", options.partitions},
                                            {"topic_prefix", options.topic_prefix},
                                            {"mock", etp::dev_broker::mock_build()}});
        if (etp::dev_broker::mock_build() != "patched") {
            etp::log::warn(
                "stock mock cluster: each fetch walks the partition's whole log, so "
                "consumers slow down as partitions fill; run scripts/install-deps "
                "and rebuild for the patched one (deploy/README.md)");
        }
        int signal = 0;
        sigwait(&stop_signals, &signal);
        etp::log::info("dev broker stopping", {{"signal", signal}});
    } catch (const etp::Error& e) {
        etp::log::error("dev broker failed", {{"error", e.what()}});
        return 1;
    }
    return 0;
}
