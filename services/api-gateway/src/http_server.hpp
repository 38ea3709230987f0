#pragma once
// The gateway's HTTP server: cpp-httplib tuned for throughput (TCP_NODELAY, long keep-alive,
// a sized worker pool), with every route wrapped so that authentication runs first and every
// exception becomes a problem+json answer. start() binds and serves on its own thread;
// stop() is noexcept, idempotent and bounded by in-flight requests.

#include <httplib.h>

#include <functional>
#include <string>
#include <thread>

#include "auth.hpp"

namespace etp::gateway {

class HttpServer {
 public:
    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

    HttpServer(const Authenticator& auth, std::size_t threads);
    ~HttpServer();

    void get(const std::string& pattern, Scope scope, Handler handler);
    void post(const std::string& pattern, Scope scope, Handler handler);

    void start(const std::string& host, int port);  // throws std::runtime_error when bind fails
    void stop() noexcept;
    int port() const noexcept { return port_; }

 private:
    httplib::Server::Handler wrap(Scope scope, Handler handler);

    const Authenticator& auth_;
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;  // declared last: joined before the server it runs is destroyed
};

}  // namespace etp::gateway
