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
#include "etp/service/service_host.hpp"

namespace etp::gateway {

class HttpServer : public service::Component {
 public:
    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

    HttpServer(Authenticator& auth, std::size_t threads, std::string host, int port);
    ~HttpServer() override;

    void get(const std::string& pattern, Scope scope, Handler handler);
    void post(const std::string& pattern, Scope scope, Handler handler);
    void put(const std::string& pattern, Scope scope, Handler handler);
    void del(const std::string& pattern, Scope scope, Handler handler);

    void start() override;  // throws std::runtime_error when the port cannot be bound
    void stop() noexcept override;
    int port() const noexcept { return port_; }

 private:
    httplib::Server::Handler wrap(Scope scope, Handler handler);

    Authenticator& auth_;
    const std::string host_;
    const int requested_port_;
    httplib::Server server_;
    int port_ = 0;
    int listen_socket_ = -1;  // set when cpp-httplib creates it (see constructor)
    std::thread thread_;      // declared last: joined before the server it runs is destroyed
};

}  // namespace etp::gateway
