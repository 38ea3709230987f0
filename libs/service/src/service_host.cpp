#include "etp/service/service_host.hpp"

#include "etp/net/admin_server.hpp"
#include "etp/runtime/kafka_properties.hpp"
#include "etp/runtime/log.hpp"

namespace etp::service {

ServiceHost::ServiceHost(std::string name, const runtime::CommonConfig& config,
                         std::size_t pool_size, int linger_ms)
    : name_(std::move(name)), config_(config) {
    if (!config.kafka_properties.empty()) {
        // Which security settings the clients got, secrets as ***.
        log::info("kafka client properties",
                  {{"brokers", config.kafka_brokers},
                   {"properties", runtime::describe_kafka_properties(config.kafka_properties)}});
    }
    pool_ = std::make_unique<pg::Pool>(config.database_url, pool_size, config.statement_timeout);
    producer_ = make_producer(name_, linger_ms);
    checks_.push_back({"postgres", [this] { return pool_->check(); }});
    checks_.push_back(
        {"kafka", [this] { return producer_->check(std::chrono::milliseconds(2000)); }});
}

ServiceHost::~ServiceHost() = default;

std::unique_ptr<bus::Producer> ServiceHost::make_producer(const std::string& client_id,
                                                          int linger_ms) const {
    bus::ProducerConfig producer_config;
    producer_config.brokers = config_.kafka_brokers;
    producer_config.extra = config_.kafka_properties;
    producer_config.client_id = client_id;
    producer_config.linger_ms = linger_ms;
    return std::make_unique<bus::Producer>(producer_config);
}

bus::Producer& ServiceHost::add_producer(const std::string& client_suffix, int linger_ms) {
    more_producers_.push_back(make_producer(name_ + "-" + client_suffix, linger_ms));
    return *more_producers_.back();
}

void ServiceHost::add_check(runtime::NamedCheck check) { checks_.push_back(std::move(check)); }

void ServiceHost::add(Component& component) { components_.push_back(&component); }

int ServiceHost::run(runtime::ShutdownSignal& shutdown) {
    net::AdminServer admin(config_.admin_host, config_.admin_port, runtime::all_of(checks_));
    admin.start();
    std::size_t started = 0;
    try {
        for (; started < components_.size(); ++started) components_[started]->start();
    } catch (...) {
        while (started > 0) components_[--started]->stop();
        admin.stop();
        throw;
    }
    admin.set_ready(true);
    log::info(name_ + " started", {{"admin_port", admin.port()}});

    shutdown.wait();
    auto began = std::chrono::steady_clock::now();
    admin.set_ready(false);
    for (auto it = components_.rbegin(); it != components_.rend(); ++it) (*it)->stop();
    auto flush = [&](bus::Producer& producer) {
        auto left =
            config_.shutdown_timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - began);
        return producer.flush(std::max(left, std::chrono::milliseconds(100)));
    };
    bool flushed = flush(*producer_);
    for (auto& producer : more_producers_) flushed = flush(*producer) && flushed;
    admin.stop();
    log::info(name_ + " stopped",
              {{"producer_flushed", flushed},
               {"shutdown_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - began)
                                   .count()}});
    return 0;
}

}  // namespace etp::service
