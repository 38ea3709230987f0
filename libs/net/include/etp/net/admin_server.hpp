#pragma once
// Admin HTTP server of every service: /healthz (alive; answered from memory on the I/O
// thread), /readyz (ready to take work: set_ready(true) was called and the readiness check
// passes), /metrics (Prometheus). The readiness check runs on a thread of its own, one run at
// a time: /readyz requests that arrive while it runs share its answer, and /healthz never
// waits behind it. start() binds (throws std::runtime_error when it cannot); stop() is
// noexcept, idempotent and bounded. Thread-safe.

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace etp::net {

class AdminServer {
 public:
    // Returns nullopt when healthy, else a short reason shown in /readyz's 503 body. Runs on
    // the admin server's check thread; may block (it bounds its own waits).
    using ReadinessCheck = std::function<std::optional<std::string>()>;

    AdminServer(std::string host, int port, ReadinessCheck check);
    ~AdminServer();
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;

    void start();
    void stop() noexcept;
    void set_ready(bool ready) noexcept;
    int port() const noexcept;  // the bound port (useful with port 0)

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace etp::net
