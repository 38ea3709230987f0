#pragma once
// Admin HTTP server for services without public HTTP: /healthz (alive), /readyz (ready to take
// work: the readiness check passes and set_ready(true) was called), /metrics (Prometheus).
// start() binds and serves on its own threads; stop() is noexcept, idempotent and bounded.

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace etp::runtime {

class AdminServer {
 public:
    // Returns nullopt when healthy, else a short reason shown in /readyz's 503 body.
    // Called on HTTP worker threads: must be thread-safe and quick.
    using ReadinessCheck = std::function<std::optional<std::string>()>;

    AdminServer(std::string host, int port, ReadinessCheck check);
    ~AdminServer();
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;

    void start();  // throws std::runtime_error when the port cannot be bound
    void stop() noexcept;
    void set_ready(bool ready) noexcept;
    int port() const noexcept;  // the bound port (useful with port 0)

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace etp::runtime
