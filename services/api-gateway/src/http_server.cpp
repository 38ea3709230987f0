#include "http_server.hpp"

#include "etp/domain/error.hpp"
#include "etp/runtime/log.hpp"
#include "http_support.hpp"

namespace etp::gateway {
namespace {

// An exception out of a route, as the client sees it; server errors are logged.
void reply_error(const net::Request& req, net::Response& res, std::exception_ptr ep) {
    try {
        std::rethrow_exception(ep);
    } catch (const HttpError& e) {
        reply_problem(res, e.problem());
    } catch (const Error& e) {
        Problem p = problem_from(e);
        // A ProblemError's text is the answer itself, already logged where it is thrown.
        if (p.status >= 500 && dynamic_cast<const ProblemError*>(&e) == nullptr)
            log::error("request failed", {{"method", req.method},
                                          {"path", req.path},
                                          {"kind", to_string(e.kind())},
                                          {"error", e.what()}});
        reply_problem(res, p);
    } catch (const std::exception& e) {
        log::error("unhandled exception in http handler",
                   {{"path", req.path}, {"error", e.what()}});
        reply_problem(res, Problem{500, "", "internal error; see the gateway log", {}});
    }
}

}  // namespace

net::ServerOptions gateway_server_options(std::size_t handler_threads, std::string host, int port) {
    net::ServerOptions o;
    o.name = "http api";
    o.host = std::move(host);
    o.port = port;
    o.handler_threads = handler_threads;
    o.max_body_bytes = kMaxBodyBytes;
    return o;
}

HttpServer::HttpServer(Authenticator& auth, net::ServerOptions options)
    : auth_(auth), server_(std::move(options)) {
    // The server's own answers (unknown route, 413, 431, ...) are problem+json like the rest.
    server_.set_error_renderer(
        [](const net::Request&, net::Response& res, const std::string& detail) {
            reply_problem(res, Problem{res.status, "", detail, {}});
        });
}

HttpServer::HttpServer(Authenticator& auth, std::size_t threads, std::string host, int port)
    : HttpServer(auth, gateway_server_options(threads, std::move(host), port)) {}

HttpServer::~HttpServer() { stop(); }

net::Handler HttpServer::wrap(Scope scope, Handler handler) {
    return
        [this, scope, handler = std::move(handler)](const net::Request& req, net::Response& res) {
            try {
                auth_.require(req, scope);
                handler(req, res);
            } catch (...) {
                res = net::Response{};
                reply_error(req, res, std::current_exception());
            }
        };
}

void HttpServer::get(const std::string& pattern, Scope scope, Handler handler, net::Run run) {
    server_.route("GET", pattern, run, wrap(scope, std::move(handler)));
}

void HttpServer::post(const std::string& pattern, Scope scope, Handler handler) {
    server_.route("POST", pattern, net::Run::kOnPool, wrap(scope, std::move(handler)));
}

void HttpServer::put(const std::string& pattern, Scope scope, Handler handler) {
    server_.route("PUT", pattern, net::Run::kOnPool, wrap(scope, std::move(handler)));
}

void HttpServer::del(const std::string& pattern, Scope scope, Handler handler) {
    server_.route("DELETE", pattern, net::Run::kOnPool, wrap(scope, std::move(handler)));
}

void HttpServer::post_async(const std::string& pattern, Scope scope, AsyncHandler handler) {
    // On a handler thread: a cache miss of the key or the trigger queries PostgreSQL, and
    // producing may wait (briefly) for room in librdkafka's queue. Nothing waits for the ack.
    server_.route_async(
        "POST", pattern, net::Run::kOnPool,
        [this, scope, handler = std::move(handler)](const net::Request& req, net::Reply reply) {
            try {
                auth_.require(req, scope);
                handler(req, reply);
            } catch (...) {
                net::Response res;
                reply_error(req, res, std::current_exception());
                reply(std::move(res));
            }
        });
}

void HttpServer::start() { server_.start(); }

void HttpServer::stop() noexcept { server_.stop(); }

}  // namespace etp::gateway
