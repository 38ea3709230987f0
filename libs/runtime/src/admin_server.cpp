#include "etp/runtime/admin_server.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include <stdexcept>
#include "etp/runtime/log.hpp"
#include "etp/runtime/metrics.hpp"

namespace etp::runtime {

struct AdminServer::Impl {
    std::string host;
    int requested_port;
    ReadinessCheck check;
    std::atomic<bool> ready{false};
    std::atomic<int> bound_port{0};
    httplib::Server server;
    std::thread thread;  // declared last: joins before the server it serves is destroyed
};

AdminServer::AdminServer(std::string host, int port, ReadinessCheck check)
    : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->requested_port = port;
    impl_->check = std::move(check);
    Impl* impl = impl_.get();
    impl->server.new_task_queue = [] { return new httplib::ThreadPool(2); };
    impl->server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"status\":\"ok\"}", "application/json");
    });
    impl->server.Get("/readyz", [impl](const httplib::Request&, httplib::Response& res) {
        std::optional<std::string> problem;
        if (!impl->ready.load()) problem = "not started or shutting down";
        if (!problem && impl->check) {
            try {
                problem = impl->check();
            } catch (const std::exception& e) {
                problem = e.what();
            }
        }
        nlohmann::json body = {{"status", problem ? "unavailable" : "ok"}};
        if (problem) body["reason"] = *problem;
        res.status = problem ? 503 : 200;
        res.set_content(body.dump(), "application/json");
    });
    impl->server.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(render_metrics(), "text/plain; version=0.0.4");
    });
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() {
    Impl* impl = impl_.get();
    int port = impl->requested_port;
    if (port == 0) {
        port = impl->server.bind_to_any_port(impl->host);
    } else if (!impl->server.bind_to_port(impl->host, port)) {
        port = -1;
    }
    if (port <= 0)
        throw std::runtime_error("admin server cannot bind " + impl->host + ":" +
                                 std::to_string(impl->requested_port));
    impl->bound_port = port;
    impl->thread = std::thread([impl] { impl->server.listen_after_bind(); });
    while (!impl->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    log::info("admin server listening", {{"port", port}});
}

void AdminServer::stop() noexcept {
    if (!impl_) return;
    impl_->ready = false;
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void AdminServer::set_ready(bool ready) noexcept { impl_->ready = ready; }

int AdminServer::port() const noexcept { return impl_->bound_port; }

}  // namespace etp::runtime
