#pragma once
// An event-driven HTTP/1.1 server on Boost.Asio and Boost.Beast: one io_context per I/O
// thread, connections spread over them, no thread per connection or per request. Handlers
// that may block (libpq) run on a bounded pool of handler threads; handlers that only compute
// run on the I/O thread; async handlers answer later, from any thread, through a Reply.
//
// What a client cannot make it do (ServerOptions): hold more than max_connections sockets
// (accepting pauses, and resumes when one closes), send a header block larger than
// max_header_bytes or with more than max_header_fields fields (431), a body larger than
// max_body_bytes whatever its framing (413, read no further), an encoded body (415), take
// longer than header_timeout for the header block, send the body slower than body_min_rate
// after body_grace, or keep an idle connection past idle_timeout.
//
// Lifecycle: construct, add routes, start() (binds; throws std::runtime_error when it cannot),
// stop() (noexcept, idempotent: stops accepting, closes idle connections, lets requests in
// flight finish within shutdown_timeout, then closes the rest). Routes must all be added
// before start(). Thread-safe after start().

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "etp/net/message.hpp"

namespace etp::net {

struct ServerOptions {
    std::string name = "http";  // in log lines
    std::string host = "0.0.0.0";
    int port = 0;  // 0 picks a free one (see Server::port())
    // I/O threads, each running its own io_context; 0 means one per hardware thread.
    std::size_t io_threads = 0;
    // Threads that run Run::kOnPool handlers. 0: such routes run on the I/O thread (only for
    // servers whose handlers never block).
    std::size_t handler_threads = 0;
    std::size_t max_connections = 10'000;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_header_fields = 100;
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t max_target_bytes = 8192;  // longer request targets get 414
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    // The body must arrive by body_grace + received / body_min_rate after the header block
    // (bytes per second): a slow client gets body_grace, then at least this rate on average.
    std::chrono::milliseconds body_grace{10'000};
    std::size_t body_min_rate = 16 * 1024;
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds shutdown_timeout{8'000};
};

// Where a handler runs.
enum class Run {
    kOnIoThread,  // computes only: no locks held long, no I/O, no waiting
    kOnPool,      // may block (database): a handler thread
};

// The answer of an async handler. Copyable; the first call sends, later calls are ignored.
// Callable from any thread, also after the connection closed (then nothing is sent). When the
// last copy is destroyed without a call, the client gets a 500.
class Reply {
 public:
    struct State;
    explicit Reply(std::shared_ptr<State> state) : state_(std::move(state)) {}
    void operator()(Response response) const noexcept;

 private:
    std::shared_ptr<State> state_;
};

using Handler = std::function<void(const Request&, Response&)>;
// The request stays valid until the reply is sent.
using AsyncHandler = std::function<void(const Request&, Reply)>;
// Renders the server's own error answers (404 no route, 400, 413, 414, 415, 416, 431, 500):
// fills `response` (status already set) from a short detail text.
using ErrorRenderer =
    std::function<void(const Request& request, Response& response, const std::string& detail)>;

class Server {
 public:
    explicit Server(ServerOptions options);
    ~Server();  // stop()
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // `pattern` must match the whole decoded path (std::regex, ECMAScript). GET routes serve
    // HEAD too, without the body. The first matching route wins.
    void route(std::string method, const std::string& pattern, Run run, Handler handler);
    void route_async(std::string method, const std::string& pattern, Run run, AsyncHandler handler);
    // Default: application/problem+json {"type","title","status","detail"}.
    void set_error_renderer(ErrorRenderer renderer);

    void start();
    void stop() noexcept;
    int port() const noexcept;
    std::size_t open_connections() const noexcept;
    const ServerOptions& options() const noexcept;

    struct Impl;

 private:
    std::shared_ptr<Impl> impl_;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (idempotent; Server::start() calls it) and
// returns the limit now in force.
std::size_t raise_open_file_limit() noexcept;

}  // namespace etp::net
