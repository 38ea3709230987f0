#pragma once
// The inside of net::Server, shared by server.cpp (listening, lifecycle) and session.cpp (one
// connection). Not a public header.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "etp/net/beast.hpp"
#include "etp/net/server.hpp"
#include "handler_pool.hpp"

namespace etp::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace detail {

class Session;

struct Route {
    std::string method;
    std::regex pattern;
    Run run = Run::kOnPool;
    Handler handler;  // one of handler and async is set
    AsyncHandler async;
};

// One I/O thread: its io_context and the connections it serves.
struct IoSlot {
    std::mutex mutex;                       // guards sessions
    std::unordered_set<Session*> sessions;  // registered by Session's constructor/destructor
    // Shared with the Reply states that post answers into it, so that a late answer never
    // posts into a destroyed context. Declared last: its queued handlers (which may own
    // sessions) are destroyed while the registry above still exists.
    std::shared_ptr<asio::io_context> ioc;
};

// What an async handler's Reply reaches: the session (weakly; it keeps itself alive while it
// waits) and the context to post the answer into.
struct ReplyTarget {
    std::weak_ptr<Session> session;
    std::shared_ptr<asio::io_context> ioc;
};

void default_error_renderer(const Request& request, Response& response, const std::string& detail);

}  // namespace detail

struct Reply::State {
    detail::ReplyTarget target;
    std::atomic<bool> sent{false};
    void deliver(Response response) noexcept;
    ~State();  // a 500 when nothing was sent
};

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    explicit Impl(ServerOptions opts) : options(std::move(opts)) {}

    void do_accept();
    void on_accept(const beast::error_code& ec, tcp::socket socket, detail::IoSlot& slot);
    void on_session_closed() noexcept;  // any thread
    // Runs `fn` on every slot's thread for each of its sessions.
    void for_each_session(void (detail::Session::*fn)());
    void wait_until_closed(std::chrono::steady_clock::time_point deadline) const noexcept;

    const ServerOptions options;
    std::vector<detail::Route> routes;  // fixed after start()
    ErrorRenderer render_error = detail::default_error_renderer;

    std::atomic<std::size_t> open{0};
    std::atomic<bool> accept_paused{false};
    std::atomic<bool> stopping{false};
    bool started = false;
    std::atomic<bool> stopped{false};
    int bound_port = 0;
    std::size_t next_slot = 0;                                        // acceptor thread only
    std::chrono::steady_clock::time_point last_pause_log{};           // acceptor thread only
    std::chrono::steady_clock::time_point last_accept_failure_log{};  // acceptor thread only
    std::size_t accept_failures = 0;                                  // acceptor thread only

    std::unique_ptr<detail::HandlerPool> pool;
    std::vector<std::unique_ptr<detail::IoSlot>> slots;
    std::unique_ptr<tcp::acceptor> acceptor;    // on slots[0]
    std::unique_ptr<asio::steady_timer> retry;  // accept retry after EMFILE, on slots[0]
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    std::vector<std::thread> threads;  // declared last: joined (in stop) before the rest goes
};

}  // namespace etp::net
