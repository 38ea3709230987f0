// ServiceHost's lifecycle: components start in the order added and stop in reverse, and a start
// that throws stops the ones already started, in reverse, before the error reaches main.
// Nothing here connects: the pool connects on first use, and the producer's broker is never
// asked for anything.

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "etp/runtime/shutdown.hpp"
#include "etp/service/service_host.hpp"

namespace {

etp::runtime::CommonConfig config() {
    etp::runtime::CommonConfig c;
    c.database_url = "postgresql://nobody@127.0.0.1:1/none";
    c.kafka_brokers = "127.0.0.1:1";
    c.admin_host = "127.0.0.1";
    c.admin_port = 0;
    c.shutdown_timeout = std::chrono::milliseconds(500);
    return c;
}

class Recorder : public etp::service::Component {
 public:
    Recorder(std::string name, std::vector<std::string>& events, bool fails = false,
             etp::runtime::ShutdownSignal* shutdown = nullptr)
        : name_(std::move(name)), events_(events), fails_(fails), shutdown_(shutdown) {}

    void start() override {
        if (fails_) {
            events_.push_back("fail " + name_);
            throw std::runtime_error(name_ + " cannot start");
        }
        events_.push_back("start " + name_);
        if (shutdown_ != nullptr) shutdown_->request();
    }
    void stop() noexcept override { events_.push_back("stop " + name_); }

 private:
    std::string name_;
    std::vector<std::string>& events_;
    bool fails_;
    etp::runtime::ShutdownSignal* shutdown_;
};

}  // namespace

TEST_CASE("components start in the order added and stop in reverse", "[service_host]") {
    etp::runtime::ShutdownSignal shutdown;
    etp::service::ServiceHost host("test", config(), 1);
    std::vector<std::string> events;
    // The last one asks for shutdown as it starts, so run() returns once all are up.
    Recorder a("a", events), b("b", events), c("c", events, false, &shutdown);
    host.add(a);
    host.add(b);
    host.add(c);
    CHECK(host.run(shutdown) == 0);
    CHECK(events ==
          std::vector<std::string>{"start a", "start b", "start c", "stop c", "stop b", "stop a"});
}

TEST_CASE("a component that fails to start stops those already started, in reverse",
          "[service_host]") {
    etp::runtime::ShutdownSignal shutdown;
    etp::service::ServiceHost host("test", config(), 1);
    std::vector<std::string> events;
    Recorder a("a", events), b("b", events), c("c", events, true), d("d", events);
    host.add(a);
    host.add(b);
    host.add(c);
    host.add(d);
    CHECK_THROWS_WITH(host.run(shutdown), "c cannot start");
    CHECK(events == std::vector<std::string>{"start a", "start b", "fail c", "stop b", "stop a"});
}
