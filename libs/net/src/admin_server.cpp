#include "etp/net/admin_server.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "etp/net/server.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/metrics.hpp"

namespace etp::net {
namespace {

// Runs the readiness check on its own thread, one run at a time. Requests that arrive while a
// run is going join it and get its answer.
class ReadinessRunner {
 public:
    explicit ReadinessRunner(AdminServer::ReadinessCheck check)
        : check_(std::move(check)), thread_([this] { loop(); }) {}
    ~ReadinessRunner() { stop(); }
    ReadinessRunner(const ReadinessRunner&) = delete;
    ReadinessRunner& operator=(const ReadinessRunner&) = delete;

    void ask(Reply reply) {
        {
            std::lock_guard lock(mutex_);
            if (!stopping_) {
                waiting_.push_back(std::move(reply));
                wake_.notify_one();
                return;
            }
        }
        reply(answer(std::string("shutting down")));
    }

    void stop() noexcept {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        if (thread_.joinable()) thread_.join();
    }

    static Response answer(const std::optional<std::string>& problem) {
        nlohmann::json body = {{"status", problem ? "unavailable" : "ok"}};
        if (problem) body["reason"] = *problem;
        Response res;
        res.status = problem ? 503 : 200;
        res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        "application/json");
        return res;
    }

 private:
    void loop() noexcept {
        for (;;) {
            std::vector<Reply> batch;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
                if (stopping_ && waiting_.empty()) return;
                batch.swap(waiting_);
            }
            std::optional<std::string> problem;
            if (check_) {
                try {
                    problem = check_();
                } catch (const std::exception& e) {
                    problem = e.what();
                }
            }
            // Requests that arrived during the run share its answer.
            {
                std::lock_guard lock(mutex_);
                for (auto& r : waiting_) batch.push_back(std::move(r));
                waiting_.clear();
            }
            Response res = answer(problem);
            for (auto& reply : batch) reply(res);
        }
    }

    AdminServer::ReadinessCheck check_;
    std::mutex mutex_;  // guards waiting_ and stopping_
    std::condition_variable wake_;
    std::vector<Reply> waiting_;
    bool stopping_ = false;
    std::thread thread_;  // declared last: started after the members it uses
};

}  // namespace

struct AdminServer::Impl {
    std::atomic<bool> ready{false};
    ReadinessRunner readiness;
    Server server;

    Impl(std::string host, int port, ReadinessCheck check)
        : readiness(std::move(check)), server(options(std::move(host), port)) {}

    static ServerOptions options(std::string host, int port) {
        ServerOptions o;
        o.name = "admin";
        o.host = std::move(host);
        o.port = port;
        o.io_threads = 1;
        o.handler_threads = 0;  // nothing here blocks an I/O thread
        o.max_connections = 1000;
        o.max_body_bytes = 64 * 1024;
        o.shutdown_timeout = std::chrono::milliseconds(1000);
        return o;
    }
};

AdminServer::AdminServer(std::string host, int port, ReadinessCheck check)
    : impl_(std::make_unique<Impl>(std::move(host), port, std::move(check))) {
    Impl* impl = impl_.get();
    impl->server.route("GET", "/healthz", Run::kOnIoThread, [](const Request&, Response& res) {
        res.set_content("{\"status\":\"ok\"}", "application/json");
    });
    impl->server.route_async(
        "GET", "/readyz", Run::kOnIoThread, [impl](const Request&, Reply reply) {
            if (!impl->ready.load())
                return reply(ReadinessRunner::answer(std::string("not started or shutting down")));
            impl->readiness.ask(std::move(reply));
        });
    impl->server.route("GET", "/metrics", Run::kOnIoThread, [](const Request&, Response& res) {
        res.set_content(runtime::render_metrics(), "text/plain; version=0.0.4");
    });
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() {
    impl_->server.start();
    log::info("admin server listening", {{"port", impl_->server.port()}});
}

void AdminServer::stop() noexcept {
    if (!impl_) return;
    impl_->ready = false;
    impl_->server.stop();
    impl_->readiness.stop();
}

void AdminServer::set_ready(bool ready) noexcept { impl_->ready = ready; }

int AdminServer::port() const noexcept { return impl_->server.port(); }

}  // namespace etp::net
