#include "http_server.hpp"

#include <sys/socket.h>

#include "etp/domain/error.hpp"
#include "etp/runtime/log.hpp"
#include "http_support.hpp"

namespace etp::gateway {

HttpServer::HttpServer(Authenticator& auth, std::size_t threads, std::string host, int port)
    : auth_(auth), host_(std::move(host)), requested_port_(port) {
    // cpp-httplib's defaults (Nagle on, 5 requests per connection) cap throughput near
    // 300 requests/s on keep-alive clients.
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(100000);
    server_.set_keep_alive_timeout(30);
    server_.set_read_timeout(30, 0);
    server_.set_payload_max_length(kMaxBodyBytes);
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into Debian's
    // library): a burst of more new connections than that met SYN cookies and dropped
    // handshakes, and some clients saw their request fail unanswered. The listening socket is
    // noted when made, and start() listens on it again with the system's maximum.
    server_.set_socket_options([this](int sock) {
        httplib::default_socket_options(sock);
        listen_socket_ = sock;
    });
    // Answers that no handler produced (unknown route, 413 from the length check, ...) still
    // become problem+json.
    server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        std::string detail = res.status == 404   ? "no route " + req.method + " " + req.path
                             : res.status == 413 ? "the body is larger than 1 MiB"
                                                 : std::string(status_title(res.status));
        reply_problem(res, Problem{res.status, "", detail, {}});
    });
    server_.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                                     std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        log::error("unhandled exception in http handler", {{"path", req.path}, {"error", what}});
        reply_problem(res, Problem{500, "", "internal error; see the gateway log", {}});
    });
}

HttpServer::~HttpServer() { stop(); }

httplib::Server::Handler HttpServer::wrap(Scope scope, Handler handler) {
    return [this, scope, handler = std::move(handler)](const httplib::Request& req,
                                                       httplib::Response& res) {
        try {
            auth_.require(req, scope);
            handler(req, res);
        } catch (const HttpError& e) {
            reply_problem(res, e.problem());
        } catch (const Error& e) {
            Problem p = problem_from(e);
            if (p.status >= 500)
                log::error("request failed", {{"method", req.method},
                                              {"path", req.path},
                                              {"kind", to_string(e.kind())},
                                              {"error", e.what()}});
            reply_problem(res, p);
        }
    };
}

void HttpServer::get(const std::string& pattern, Scope scope, Handler handler) {
    server_.Get(pattern, wrap(scope, std::move(handler)));
}

void HttpServer::post(const std::string& pattern, Scope scope, Handler handler) {
    server_.Post(pattern, wrap(scope, std::move(handler)));
}

void HttpServer::put(const std::string& pattern, Scope scope, Handler handler) {
    server_.Put(pattern, wrap(scope, std::move(handler)));
}

void HttpServer::del(const std::string& pattern, Scope scope, Handler handler) {
    server_.Delete(pattern, wrap(scope, std::move(handler)));
}

void HttpServer::start() {
    port_ = requested_port_ == 0
                ? server_.bind_to_any_port(host_)
                : (server_.bind_to_port(host_, requested_port_) ? requested_port_ : -1);
    if (port_ <= 0)
        throw std::runtime_error("cannot listen on " + host_ + ":" +
                                 std::to_string(requested_port_));
    if (listen_socket_ < 0 || ::listen(listen_socket_, SOMAXCONN) != 0)
        log::warn("http api keeps cpp-httplib's listen backlog of 5");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    log::info("http api listening", {{"host", host_}, {"port", port_}});
}

void HttpServer::stop() noexcept {
    server_.stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace etp::gateway
