#pragma once
// The gateway's HTTP server: a thin layer over etp::net::Server that runs authentication
// before every route and turns exceptions into problem+json answers. Routes that may wait for
// PostgreSQL run on the server's handler threads (HTTP_THREADS); the fire route answers from
// Kafka's delivery report (post_async). start() binds; stop() is noexcept, idempotent and
// bounded by SHUTDOWN_TIMEOUT.

#include <functional>
#include <string>

#include "auth.hpp"
#include "etp/net/server.hpp"
#include "etp/service/service_host.hpp"

namespace etp::gateway {

class HttpServer : public service::Component {
 public:
    using Handler = std::function<void(const net::Request&, net::Response&)>;
    // Answers through `reply`, from any thread; the request stays valid until then. Exceptions
    // thrown before a reply become the problem+json answer, as for Handler.
    using AsyncHandler = std::function<void(const net::Request&, const net::Reply&)>;

    // `options` carries the listening address, the limits and the thread counts.
    HttpServer(Authenticator& auth, net::ServerOptions options);
    // Defaults for everything but these (tests).
    HttpServer(Authenticator& auth, std::size_t threads, std::string host, int port);
    ~HttpServer() override;

    void get(const std::string& pattern, Scope scope, Handler handler,
             net::Run run = net::Run::kOnPool);
    void post(const std::string& pattern, Scope scope, Handler handler);
    void put(const std::string& pattern, Scope scope, Handler handler);
    void del(const std::string& pattern, Scope scope, Handler handler);
    // Authentication (which may query PostgreSQL) and the handler run on a handler thread;
    // the answer is sent whenever `reply` is called.
    void post_async(const std::string& pattern, Scope scope, AsyncHandler handler);

    void start() override;  // throws std::runtime_error when the port cannot be bound
    void stop() noexcept override;
    int port() const noexcept { return server_.port(); }

 private:
    net::Handler wrap(Scope scope, Handler handler);

    Authenticator& auth_;
    net::Server server_;  // declared last: its routes capture this
};

// The defaults of ServerOptions with the gateway's name.
net::ServerOptions gateway_server_options(std::size_t handler_threads, std::string host, int port);

}  // namespace etp::gateway
