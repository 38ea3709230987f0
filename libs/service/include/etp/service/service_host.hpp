#pragma once
// What every service's App shares (run_main has initialised its JSON logs): a PostgreSQL pool, an
// idempotent producer, the admin server whose readiness is every dependency check, and the
// lifecycle — components start in the order added and stop in reverse, readiness goes 503
// first, the producers are flushed last, and one summary line is logged. Construct and run from
// main's thread; the pool and producer are thread-safe for the components to share.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etp/bus/producer.hpp"
#include "etp/pg/pool.hpp"
#include "etp/runtime/config.hpp"
#include "etp/runtime/readiness.hpp"
#include "etp/runtime/shutdown.hpp"

namespace etp::service {

// A long-lived part of a service: construct (may throw) → start() → stop() (noexcept,
// idempotent, bounded) → destroy.
class Component {
 public:
    virtual ~Component() = default;
    virtual void start() = 0;
    virtual void stop() noexcept = 0;
};

class ServiceHost {
 public:
    // Creates the pool and the producer (nothing connects yet); `name` is the Kafka client id
    // and names the started/stopped log lines. Throws etp::Error on bad configuration.
    // `linger_ms` is the producer's batching delay: 0 for services that wait for each
    // acknowledgement, a few ms for streams that do not (see bus::ProducerConfig).
    ServiceHost(std::string name, const runtime::CommonConfig& config, std::size_t pool_size,
                int linger_ms = 0);
    ~ServiceHost();

    pg::Pool& pool() noexcept { return *pool_; }
    bus::Producer& producer() noexcept { return *producer_; }
    // A further producer with a batching delay of its own, for a stream nobody waits on while
    // producer() serves one that does. Owned here, flushed with producer() at shutdown within
    // SHUTDOWN_TIMEOUT; its Kafka client id is `name-client_suffix`. Call before run().
    bus::Producer& add_producer(const std::string& client_suffix, int linger_ms);
    const runtime::CommonConfig& config() const noexcept { return config_; }

    // Readiness checks beyond "postgres" and "kafka", which are always there.
    void add_check(runtime::NamedCheck check);
    // Not owned; must outlive run().
    void add(Component& component);

    // Starts the admin server and the components, reports ready, waits for shutdown, then
    // stops everything in reverse. Returns the exit code.
    int run(runtime::ShutdownSignal& shutdown);

 private:
    std::unique_ptr<bus::Producer> make_producer(const std::string& client_id, int linger_ms) const;

    std::string name_;
    runtime::CommonConfig config_;
    std::unique_ptr<pg::Pool> pool_;
    std::unique_ptr<bus::Producer> producer_;
    std::vector<std::unique_ptr<bus::Producer>> more_producers_;
    std::vector<runtime::NamedCheck> checks_;
    std::vector<Component*> components_;
};

}  // namespace etp::service
