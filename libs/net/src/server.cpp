#include "etp/net/server.hpp"

#include <sys/resource.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "etp/runtime/log.hpp"
#include "server_impl.hpp"
#include "session.hpp"

namespace etp::net {

namespace detail {

void default_error_renderer(const Request&, Response& response, const std::string& detail) {
    nlohmann::json body = {{"type", "about:blank"},
                           {"title", status_title(response.status)},
                           {"status", response.status},
                           {"detail", detail}};
    response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         "application/problem+json");
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Reply

void Reply::State::deliver(Response response) noexcept {
    if (sent.exchange(true)) return;
    try {
        asio::post(*target.ioc, [weak = target.session, res = std::move(response)]() mutable {
            if (auto session = weak.lock()) session->on_answer(std::move(res));
        });
    } catch (const std::exception& e) {
        log::error("http answer lost", {{"error", e.what()}});
    }
}

Reply::State::~State() {
    if (sent.load()) return;
    Response res;
    res.status = 500;
    detail::default_error_renderer(Request{}, res, "the request was not answered");
    deliver(std::move(res));
}

void Reply::operator()(Response response) const noexcept { state_->deliver(std::move(response)); }

// ---------------------------------------------------------------------------------------------
// Accepting

void Server::Impl::do_accept() {
    if (stopping.load() || !acceptor) return;
    detail::IoSlot& slot = *slots[next_slot++ % slots.size()];
    // Handlers queued in a context capture the server raw: the contexts run only while it
    // lives (stop() joins them), and a shared_ptr left in a stopped queue would keep it alive.
    acceptor->async_accept(*slot.ioc,
                           [this, &slot](const beast::error_code& ec, tcp::socket socket) {
                               on_accept(ec, std::move(socket), slot);
                           });
}

void Server::Impl::on_accept(const beast::error_code& ec, tcp::socket socket,
                             detail::IoSlot& slot) {
    if (stopping.load()) return;
    if (ec) {
        if (ec == asio::error::operation_aborted) return;
        // Out of descriptors or memory: try again shortly instead of spinning on the error,
        // and say so once every 10 s at most.
        ++accept_failures;
        auto now = std::chrono::steady_clock::now();
        if (now - last_accept_failure_log > std::chrono::seconds(10)) {
            last_accept_failure_log = now;
            log::warn("http accept failed",
                      {{"server", options.name},
                       {"error", ec.message()},
                       {"failures", static_cast<std::int64_t>(accept_failures)}});
        }
        retry->expires_after(std::chrono::milliseconds(100));
        retry->async_wait([this](const beast::error_code& wait_ec) {
            if (!wait_ec) do_accept();
        });
        return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const std::size_t now_open = open.fetch_add(1) + 1;
    auto session = std::make_shared<detail::Session>(shared_from_this(), slot, std::move(socket));
    asio::post(*slot.ioc, [session] { session->start(); });
    if (now_open < options.max_connections) return do_accept();
    // At the cap: accept no more until a connection closes (on_session_closed). Paused first,
    // then checked again, so a close in between is never missed.
    accept_paused.store(true);
    auto now = std::chrono::steady_clock::now();
    if (now - last_pause_log > std::chrono::seconds(10)) {
        last_pause_log = now;
        log::warn("http connection limit reached; accepting paused",
                  {{"server", options.name},
                   {"max_connections", static_cast<std::int64_t>(options.max_connections)}});
    }
    if (open.load() < options.max_connections && accept_paused.exchange(false)) do_accept();
}

void Server::Impl::on_session_closed() noexcept {
    open.fetch_sub(1);
    if (!accept_paused.load() || stopping.load()) return;
    try {
        // A raw pointer: a handler queued in the context must not keep the server alive.
        asio::post(*slots[0]->ioc, [impl = this] {
            if (impl->open.load() < impl->options.max_connections &&
                impl->accept_paused.exchange(false))
                impl->do_accept();
        });
    } catch (const std::exception&) {
        // Only allocation can fail here; the next close tries again.
    }
}

void Server::Impl::for_each_session(void (detail::Session::*fn)()) {
    for (auto& slot : slots) {
        asio::post(*slot->ioc, [s = slot.get(), fn] {
            std::vector<std::shared_ptr<detail::Session>> sessions;
            {
                std::lock_guard lock(s->mutex);
                sessions.reserve(s->sessions.size());
                for (auto* session : s->sessions)
                    if (auto p = session->weak_from_this().lock()) sessions.push_back(std::move(p));
            }
            for (auto& session : sessions) ((*session).*fn)();
        });
    }
}

void Server::Impl::wait_until_closed(
    std::chrono::steady_clock::time_point deadline) const noexcept {
    while (open.load() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

// ---------------------------------------------------------------------------------------------
// Server

Server::Server(ServerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

Server::~Server() { stop(); }

void Server::route(std::string method, const std::string& pattern, Run run, Handler handler) {
    impl_->routes.push_back({std::move(method), std::regex(pattern), run, std::move(handler), {}});
}

void Server::route_async(std::string method, const std::string& pattern, Run run,
                         AsyncHandler handler) {
    impl_->routes.push_back({std::move(method), std::regex(pattern), run, {}, std::move(handler)});
}

void Server::set_error_renderer(ErrorRenderer renderer) {
    impl_->render_error = std::move(renderer);
}

std::size_t raise_open_file_limit() noexcept {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    return limit.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<std::size_t>(limit.rlim_cur);
}

void Server::start() {
    Impl& impl = *impl_;
    if (impl.started) throw std::logic_error("net::Server started twice");
    const ServerOptions& o = impl.options;
    const std::size_t files = raise_open_file_limit();
    // Each connection is one descriptor; the process needs some more for PostgreSQL, Kafka
    // and logs.
    if (o.max_connections + 64 > files)
        log::warn("http connection cap exceeds the open file limit",
                  {{"server", o.name},
                   {"max_connections", static_cast<std::int64_t>(o.max_connections)},
                   {"open_file_limit", static_cast<std::int64_t>(files)}});
    std::size_t io_threads = o.io_threads;
    if (io_threads == 0) io_threads = std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < io_threads; ++i) {
        auto slot = std::make_unique<detail::IoSlot>();
        slot->ioc = std::make_shared<asio::io_context>(1);
        impl.guards.push_back(asio::make_work_guard(*slot->ioc));
        impl.slots.push_back(std::move(slot));
    }
    asio::io_context& first = *impl.slots[0]->ioc;
    try {
        tcp::resolver resolver(first);
        auto endpoints = resolver.resolve(o.host, std::to_string(o.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service);
        tcp::endpoint endpoint = endpoints.begin()->endpoint();
        impl.acceptor = std::make_unique<tcp::acceptor>(first);
        impl.acceptor->open(endpoint.protocol());
        impl.acceptor->set_option(asio::socket_base::reuse_address(true));
        impl.acceptor->bind(endpoint);
        impl.acceptor->listen(asio::socket_base::max_listen_connections);
        impl.bound_port = impl.acceptor->local_endpoint().port();
    } catch (const std::exception& e) {
        impl.acceptor.reset();
        impl.guards.clear();
        impl.slots.clear();
        throw std::runtime_error(o.name + " cannot listen on " + o.host + ":" +
                                 std::to_string(o.port) + ": " + e.what());
    }
    impl.retry = std::make_unique<asio::steady_timer>(first);
    if (o.handler_threads > 0)
        impl.pool = std::make_unique<detail::HandlerPool>(o.name, o.handler_threads);
    impl.started = true;
    asio::post(first, [impl = impl_.get()] { impl->do_accept(); });
    for (auto& slot : impl.slots) {
        impl.threads.emplace_back([ioc = slot->ioc, name = o.name]() noexcept {
            for (;;) {
                try {
                    ioc->run();
                    return;
                } catch (const std::exception& e) {
                    log::error("http i/o thread caught an exception",
                               {{"server", name}, {"error", e.what()}});
                }
            }
        });
    }
    log::info("http server listening",
              {{"server", o.name},
               {"host", o.host},
               {"port", impl.bound_port},
               {"io_threads", static_cast<std::int64_t>(io_threads)},
               {"handler_threads", static_cast<std::int64_t>(o.handler_threads)},
               {"max_connections", static_cast<std::int64_t>(o.max_connections)}});
}

void Server::stop() noexcept {
    Impl& impl = *impl_;
    if (!impl.started || impl.stopped.exchange(true)) return;
    const auto began = std::chrono::steady_clock::now();
    impl.stopping = true;
    try {
        asio::post(*impl.slots[0]->ioc, [self = impl_.get()] {
            beast::error_code ignored;
            if (self->acceptor) self->acceptor->close(ignored);
            self->retry->cancel();
        });
        // Requests in flight finish (their answers close the connection); idle ones go now.
        impl.for_each_session(&detail::Session::close_if_idle);
        impl.wait_until_closed(began + impl.options.shutdown_timeout);
        const std::size_t left = impl.open.load();
        if (left > 0)
            log::warn(
                "http requests still in flight at the shutdown deadline; closing",
                {{"server", impl.options.name}, {"connections", static_cast<std::int64_t>(left)}});
        if (impl.pool) impl.pool->stop();
        impl.for_each_session(&detail::Session::force_close);
        impl.wait_until_closed(std::chrono::steady_clock::now() + std::chrono::seconds(2));
    } catch (const std::exception& e) {
        log::error("http server stop failed", {{"server", impl.options.name}, {"error", e.what()}});
    }
    impl.guards.clear();
    for (auto& slot : impl.slots) slot->ioc->stop();
    for (auto& t : impl.threads)
        if (t.joinable()) t.join();
    impl.threads.clear();
    // The acceptor and timer belong to slots[0]'s context; they go before it does.
    impl.retry.reset();
    impl.acceptor.reset();
    log::info("http server stopped",
              {{"server", impl.options.name},
               {"stop_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - began)
                               .count()}});
}

int Server::port() const noexcept { return impl_->bound_port; }

std::size_t Server::open_connections() const noexcept { return impl_->open.load(); }

const ServerOptions& Server::options() const noexcept { return impl_->options; }

}  // namespace etp::net
