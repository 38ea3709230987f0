// HTTP client on Boost.Beast (see include/etp/net/client.hpp).
//
// Each request is one Attempt: a coroutine on its own strand, and a deadline timer on the same
// strand. Whichever ends first completes the request; the deadline (or cancel_all) then closes
// the socket, so the coroutine wakes with an error and ends without completing again.
#include "etp/net/client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>

#include "etp/domain/error.hpp"
#include "etp/net/message.hpp"

namespace etp::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

namespace {

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
    });
}

// A header a caller may not send: framing and connection management are the client's.
bool client_owned(std::string_view name) {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
           iequals(name, "host") || iequals(name, "connection");
}

bool valid_value(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string host_header(const Url& url) {
    bool v6 = url.host.find(':') != std::string::npos;
    std::string host = v6 ? "[" + url.host + "]" : url.host;
    bool default_port =
        (url.scheme == "https" && url.port == 443) || (url.scheme == "http" && url.port == 80);
    return default_port ? host : host + ":" + std::to_string(url.port);
}

// EOF or reset before any byte of an answer: what a kept-alive connection the server closed
// meanwhile looks like.
bool closed_by_peer(const ErrorCode& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::ssl::error::stream_truncated;
}

std::string kib(std::size_t bytes) {
    return bytes % 1024 == 0 ? std::to_string(bytes / 1024) + " KiB"
                             : std::to_string(bytes) + " bytes";
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::optional<std::string> ClientResponse::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return v;
    return std::nullopt;
}

std::optional<std::string> ca_file_problem(const std::string& path) {
    if (!std::ifstream(path).good()) return "cannot read " + path;
    asio::ssl::context context(asio::ssl::context::tls_client);
    ErrorCode ec;
    context.load_verify_file(path, ec);
    if (ec) return "no CA certificate loaded from " + path + " (" + ec.message() + ")";
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

namespace detail {

class Attempt;

// One kept-alive or new connection: TCP, with TLS on top for https.
struct Connection {
    Connection(const asio::any_io_executor& executor, asio::ssl::context* tls_context) {
        if (tls_context)
            tls.emplace(executor, *tls_context);
        else
            plain.emplace(executor);
    }
    tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }

    std::optional<asio::ssl::stream<tcp::socket>> tls;
    std::optional<tcp::socket> plain;
    beast::flat_buffer buffer;
    tcp::endpoint peer;
    Clock::time_point idle_since{};
};

// What a Client shares with its requests in flight. Thread-safe: `mutex` guards the members
// after it.
class ClientState : public std::enable_shared_from_this<ClientState> {
 public:
    ClientState(asio::io_context& io_context, ClientOptions opts)
        : io(io_context), options(std::move(opts)), tls(asio::ssl::context::tls_client) {
        tls.set_default_verify_paths();
        if (!options.ca_file.empty()) {
            if (auto problem = ca_file_problem(options.ca_file))
                throw Error(ErrorKind::kInvalidInput, *problem);
            tls.load_verify_file(options.ca_file);
        }
        tls.set_verify_mode(asio::ssl::verify_peer);
        SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    }

    struct Resolved {
        std::vector<tcp::endpoint> endpoints;
        std::string error;
        bool refused = false;
        Clock::time_point until{};
    };

    // A resolution still fresh: an IP literal's at once, a name's from the cache.
    std::optional<Resolved> cached(const std::string& host, int port) {
        ErrorCode not_ip;
        auto literal = asio::ip::make_address(host, not_ip);
        if (!not_ip)
            return checked(host, {tcp::endpoint(literal, static_cast<unsigned short>(port))});
        std::lock_guard lock(mutex);
        auto it = resolved.find(key(host, port));
        if (it == resolved.end() || it->second.until <= Clock::now()) return std::nullopt;
        return it->second;
    }

    // Resolves a name asynchronously and calls `done` (on an I/O thread) with the result,
    // which is cached. Requests for a name already being looked up wait for that lookup: a
    // name whose DNS hangs holds one lookup, however many deliveries go to it.
    void lookup(const std::string& host, int port, std::function<void(const Resolved&)> done) {
        const std::string k = key(host, port);
        {
            std::lock_guard lock(mutex);
            auto [it, first] = pending.try_emplace(k);
            it->second.push_back(std::move(done));
            if (!first) return;
        }
        auto resolver = std::make_shared<tcp::resolver>(io);
        resolver->async_resolve(
            host, std::to_string(port),
            [self = shared_from_this(), resolver, host, k](
                const ErrorCode& ec, const tcp::resolver::results_type& results) {
                Resolved r;
                if (ec) {
                    r.error = "cannot resolve " + host + ": " + ec.message();
                } else {
                    std::vector<tcp::endpoint> endpoints;
                    for (const auto& entry : results)
                        if (std::find(endpoints.begin(), endpoints.end(), entry.endpoint()) ==
                            endpoints.end())
                            endpoints.push_back(entry.endpoint());
                    r = self->checked(host, std::move(endpoints));
                }
                r.until = Clock::now() + (r.error.empty() ? self->options.resolved_for
                                                          : self->options.failed_resolution_for);
                std::vector<std::function<void(const Resolved&)>> waiters;
                {
                    std::lock_guard lock(self->mutex);
                    self->resolved[k] = r;
                    auto it = self->pending.find(k);
                    if (it != self->pending.end()) {
                        waiters = std::move(it->second);
                        self->pending.erase(it);
                    }
                }
                for (auto& waiter : waiters) waiter(r);
            });
    }

    // A kept-alive connection to one of `endpoints` that still looks open, or null.
    std::unique_ptr<Connection> take_idle(const std::string& origin,
                                          const std::vector<tcp::endpoint>& endpoints) {
        std::vector<std::unique_ptr<Connection>> dropped;  // closed outside the lock
        std::unique_ptr<Connection> found;
        {
            std::lock_guard lock(mutex);
            auto it = idle.find(origin);
            if (it == idle.end()) return nullptr;
            auto& list = it->second;
            const auto now = Clock::now();
            while (!list.empty() && !found) {
                std::unique_ptr<Connection> c = std::move(list.back());
                list.pop_back();
                bool usable =
                    now - c->idle_since < options.idle_timeout &&
                    std::find(endpoints.begin(), endpoints.end(), c->peer) != endpoints.end() &&
                    still_open(*c);
                if (usable)
                    found = std::move(c);
                else
                    dropped.push_back(std::move(c));
            }
            if (list.empty()) idle.erase(it);
        }
        return found;
    }

    void give_back(const std::string& origin, std::unique_ptr<Connection> c) {
        c->idle_since = Clock::now();
        std::lock_guard lock(mutex);
        if (closed) return;
        auto& list = idle[origin];
        if (list.size() < options.max_idle_per_origin) list.push_back(std::move(c));
    }

    asio::io_context& io;
    const ClientOptions options;
    asio::ssl::context tls;

    mutable std::mutex mutex;
    bool closed = false;
    std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // by origin
    std::map<std::string, Resolved> resolved;                              // by key()
    // Lookups under way, by key(): whom to tell when each ends.
    std::map<std::string, std::vector<std::function<void(const Resolved&)>>> pending;
    std::map<Attempt*, std::weak_ptr<Attempt>> active;

 private:
    static std::string key(const std::string& host, int port) {
        return host + ":" + std::to_string(port);
    }

    // The addresses, unless there are none or the policy refuses one of them: one refused
    // address refuses the host, as a name may be served round-robin.
    Resolved checked(const std::string& host, std::vector<tcp::endpoint> endpoints) const {
        Resolved r;
        if (endpoints.empty()) {
            r.error = "cannot resolve " + host + ": no address";
            return r;
        }
        if (options.address_policy) {
            for (const auto& endpoint : endpoints) {
                if (auto why = options.address_policy(host, endpoint.address().to_string())) {
                    r.error = *why;
                    r.refused = true;
                    return r;
                }
            }
        }
        r.endpoints = std::move(endpoints);
        return r;
    }

    // The server has not closed it, and has sent nothing unasked (which would be read as the
    // next answer).
    static bool still_open(Connection& c) {
        char byte;
        ssize_t n = ::recv(c.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
};

// ClientState::lookup as an awaitable, resuming on the awaiting coroutine's executor. A plain
// function, not a coroutine: GCC 12 destroys lambda temporaries inside a co_await expression
// twice.
asio::awaitable<ClientState::Resolved> async_lookup(std::shared_ptr<ClientState> state,
                                                    std::string host, int port) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(ClientState::Resolved)>(
        [state = std::move(state), host = std::move(host), port](auto handler) {
            // std::function needs a copyable callback; the handler is move-only.
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            state->lookup(host, port, [shared](const ClientState::Resolved& resolved) {
                auto executor = asio::get_associated_executor(*shared);
                asio::post(executor,
                           [shared, resolved]() mutable { std::move (*shared)(resolved); });
            });
        },
        asio::use_awaitable);
}

// One request. Lives as long as its coroutine or its deadline handler holds it. Every member
// is used on `strand_` only (after start()).
class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
    Attempt(std::shared_ptr<ClientState> state, ClientRequest request, Client::Completion done)
        : state_(std::move(state)),
          request_(std::move(request)),
          done_(std::move(done)),
          strand_(asio::make_strand(state_->io)),
          deadline_(strand_),
          started_(Clock::now()) {}

    ~Attempt() {
        std::lock_guard lock(state_->mutex);
        state_->active.erase(this);
    }

    void start() {
        auto self = shared_from_this();
        bool closed;
        {
            std::lock_guard lock(state_->mutex);
            closed = state_->closed;
            if (!closed) state_->active.emplace(this, weak_from_this());
        }
        if (closed) {
            asio::post(strand_, [self] { self->cancel_now(); });
            return;
        }
        deadline_.expires_after(std::max(request_.timeout, std::chrono::milliseconds(1)));
        deadline_.async_wait([self](const ErrorCode& ec) {
            if (!ec) self->expire();
        });
        asio::co_spawn(strand_, run(self), asio::detached);
    }

    // From any thread.
    void cancel() {
        auto self = shared_from_this();
        asio::post(strand_, [self] { self->cancel_now(); });
    }

 private:
    static asio::awaitable<void> run(std::shared_ptr<Attempt> self) {
        try {
            co_await self->attempt();
        } catch (const std::exception& e) {
            ClientResponse r;
            r.error = std::string("request failed: ") + e.what();
            self->finish(std::move(r));
        }
    }

    asio::awaitable<void> attempt() {
        std::vector<tcp::endpoint> endpoints;
        if (!co_await resolve(endpoints)) co_return;
        // A second round only when a kept-alive connection turned out closed by the server.
        for (int round = 0; round < 2 && !finished_; ++round) {
            stale_ = false;
            conn_ = state_->take_idle(request_.url.origin, endpoints);
            reused_ = conn_ != nullptr;
            partial_.reused_connection = reused_;
            if (!conn_ && !co_await connect(endpoints)) co_return;
            bool answered;
            if (conn_->tls)
                answered = co_await exchange(*conn_->tls);
            else
                answered = co_await exchange(*conn_->plain);
            if (finished_) co_return;
            if (answered) {
                deadline_.cancel();
                ClientResponse r = std::move(partial_);
                r.body_complete = true;
                if (reusable_) state_->give_back(request_.url.origin, std::move(conn_));
                finish(std::move(r));
                co_return;
            }
            if (!stale_) co_return;
            ErrorCode ignored;
            conn_->socket().close(ignored);
            partial_ = ClientResponse{};
        }
    }

    // Fills `out` with the addresses to try, all accepted by the policy; false when the
    // attempt ended (finished) instead.
    asio::awaitable<bool> resolve(std::vector<tcp::endpoint>& out) {
        const Url& url = request_.url;
        auto r = state_->cached(url.host, url.port);
        if (!r) {
            stage_ = "resolve";
            r = co_await async_lookup(state_, url.host, url.port);
            if (finished_) co_return false;
        }
        if (!r->error.empty()) {
            ClientResponse failed;
            failed.error = r->error;
            failed.refused = r->refused;
            finish(std::move(failed));
            co_return false;
        }
        out = std::move(r->endpoints);
        co_return true;
    }

    asio::awaitable<bool> connect(const std::vector<tcp::endpoint>& endpoints) {
        const bool https = request_.url.scheme == "https";
        conn_ = std::make_unique<Connection>(strand_, https ? &state_->tls : nullptr);
        stage_ = "connect";
        ErrorCode ec;
        tcp::endpoint peer = co_await asio::async_connect(
            conn_->socket(), endpoints, asio::redirect_error(asio::use_awaitable, ec));
        if (finished_) co_return false;
        if (ec) {
            fail(ec);
            co_return false;
        }
        conn_->peer = peer;
        conn_->socket().set_option(tcp::no_delay(true), ec);
        if (!https) co_return true;

        stage_ = "TLS handshake";
        SSL* ssl = conn_->tls->native_handle();
        const std::string& host = request_.url.host;
        ErrorCode not_ip;
        asio::ip::make_address(host, not_ip);
        // The certificate must name the URL's host: OpenSSL checks it during the handshake
        // and keeps the reason (X509_V_ERR_HOSTNAME_MISMATCH) for the error text.
        if (not_ip) {
            SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI
            if (SSL_set1_host(ssl, host.c_str()) != 1) {
                fail_with("request failed: cannot check the certificate for " + host);
                co_return false;
            }
        } else if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1) {
            fail_with("request failed: cannot check the certificate for " + host);
            co_return false;
        }
        co_await conn_->tls->async_handshake(asio::ssl::stream_base::client,
                                             asio::redirect_error(asio::use_awaitable, ec));
        if (finished_) co_return false;
        if (ec) {
            fail(ec);
            co_return false;
        }
        co_return true;
    }

    http::request<http::string_body> build_request() const {
        http::request<http::string_body> req;
        req.version(11);
        req.method_string(request_.method);
        req.target(request_.url.target);
        req.set(http::field::host, host_header(request_.url));
        bool agent = false;
        for (const auto& [name, value] : request_.headers) {
            if (!is_token(name) || !valid_value(value) || client_owned(name)) continue;
            if (iequals(name, "user-agent")) agent = true;
            req.insert(name, value);
        }
        if (!agent) req.set(http::field::user_agent, "etp/1");
        req.body() = request_.body;
        req.prepare_payload();
        return req;
    }

    // Sends the request and reads the answer into partial_. True when the answer was read
    // whole; false when the attempt ended (finished) or, with stale_ set, when a kept-alive
    // connection was found closed before any byte of an answer.
    template <class Stream>
    asio::awaitable<bool> exchange(Stream& stream) {
        const ClientOptions& options = state_->options;
        if (!is_token(request_.method)) {
            fail_with("request failed: invalid method " + request_.method);
            co_return false;
        }
        auto req = build_request();
        // The read buffer holds at most a header block and a little more: no read pulls in
        // much beyond what the parser may take.
        conn_->buffer = beast::flat_buffer(options.max_header_bytes + 4096);
        stage_ = "send";
        ErrorCode ec;
        co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
        if (finished_) co_return false;
        if (ec) {
            if (reused_) {
                stale_ = true;
                co_return false;
            }
            fail(ec);
            co_return false;
        }

        stage_ = "read";
        std::optional<http::response_parser<http::buffer_body>> parser;
        for (int interim = 0;; ++interim) {
            if (interim == 10) {
                fail_with("request failed: read: more than 10 interim (1xx) answers");
                co_return false;
            }
            parser.emplace();
            parser->header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
            parser->body_limit(std::numeric_limits<std::uint64_t>::max());
            if (req.method() == http::verb::head) parser->skip(true);
            co_await http::async_read_header(stream, conn_->buffer, *parser,
                                             asio::redirect_error(asio::use_awaitable, ec));
            if (finished_) co_return false;
            if (ec) {
                if (reused_ && interim == 0 && !parser->got_some() && closed_by_peer(ec)) {
                    stale_ = true;
                    co_return false;
                }
                fail(ec);
                co_return false;
            }
            int status = parser->get().result_int();
            if (status / 100 != 1 || status == 101) break;
        }
        partial_.status = parser->get().result_int();
        for (const auto& field : parser->get())
            partial_.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));

        char chunk[8192];
        while (!parser->is_done()) {
            // At most one byte past the limit: enough to know the body is longer.
            std::size_t room =
                std::min(sizeof chunk, options.max_body_bytes + 1 -
                                           std::min(partial_.body_bytes, options.max_body_bytes));
            parser->get().body().data = chunk;
            parser->get().body().size = room;
            co_await http::async_read(stream, conn_->buffer, *parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
            if (finished_) co_return false;
            if (ec == http::error::need_buffer) ec = {};
            std::size_t got = room - parser->get().body().size;
            if (partial_.body_head.size() < options.kept_body_bytes)
                partial_.body_head.append(
                    chunk, std::min(got, options.kept_body_bytes - partial_.body_head.size()));
            partial_.body_bytes += got;
            if (ec || (partial_.body_bytes > options.max_body_bytes && !parser->is_done())) {
                // The status stands; the connection is not reused (the rest is unread).
                deadline_.cancel();
                ClientResponse r = std::move(partial_);
                finish(std::move(r));
                abort_io();
                co_return false;
            }
        }
        reusable_ = parser->keep_alive() && conn_->buffer.size() == 0 &&
                    (!conn_->tls || SSL_pending(conn_->tls->native_handle()) == 0);
        co_return true;
    }

    void fail(const ErrorCode& ec) {
        std::string detail = ec.message();
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
            detail = "response header block over " + kib(state_->options.max_header_bytes);
        if (stage_ == std::string_view("TLS handshake") && conn_ && conn_->tls) {
            long verify = SSL_get_verify_result(conn_->tls->native_handle());
            if (verify != X509_V_OK)
                detail = std::string("certificate verify failed: ") +
                         X509_verify_cert_error_string(verify);
        }
        fail_with(std::string("request failed: ") + stage_ + ": " + detail);
    }

    void fail_with(std::string error) {
        ClientResponse r = std::move(partial_);
        r.status.reset();
        r.error = std::move(error);
        finish(std::move(r));
        abort_io();
    }

    void expire() {
        if (finished_) return;
        ClientResponse r = std::move(partial_);
        r.timed_out = true;
        if (!r.status)
            r.error = "timeout after " + std::to_string(request_.timeout.count()) + " ms";
        finish(std::move(r));
        abort_io();
    }

    void cancel_now() {
        if (finished_) return;
        ClientResponse r;
        r.error = "canceled";
        finish(std::move(r));
        abort_io();
    }

    void abort_io() {
        ErrorCode ignored;
        if (conn_) conn_->socket().close(ignored);
    }

    void finish(ClientResponse r) {
        if (finished_) return;
        finished_ = true;
        deadline_.cancel();
        r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
        auto done = std::move(done_);
        done_ = nullptr;
        if (done) done(std::move(r));
    }

    std::shared_ptr<ClientState> state_;
    ClientRequest request_;
    Client::Completion done_;
    asio::strand<asio::io_context::executor_type> strand_;
    asio::steady_timer deadline_;
    const Clock::time_point started_;
    std::unique_ptr<Connection> conn_;
    ClientResponse partial_;  // what is known of the answer so far
    const char* stage_ = "connect";
    bool finished_ = false;
    bool reused_ = false;
    bool stale_ = false;
    bool reusable_ = false;
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------

Client::Client(asio::io_context& io, ClientOptions options)
    : state_(std::make_shared<detail::ClientState>(io, std::move(options))) {}

Client::~Client() { cancel_all(); }

void Client::async_send(ClientRequest request, Completion done) {
    std::make_shared<detail::Attempt>(state_, std::move(request), std::move(done))->start();
}

void Client::cancel_all() noexcept {
    std::vector<std::shared_ptr<detail::Attempt>> active;
    std::map<std::string, std::vector<std::unique_ptr<detail::Connection>>> idle;
    {
        std::lock_guard lock(state_->mutex);
        state_->closed = true;
        idle.swap(state_->idle);
        for (auto& [ptr, weak] : state_->active)
            if (auto a = weak.lock()) active.push_back(std::move(a));
    }
    for (auto& a : active) a->cancel();
    // Released outside the lock: a last reference drops an Attempt, whose destructor locks.
    active.clear();
}

void Client::prune() noexcept {
    std::vector<std::unique_ptr<detail::Connection>> dropped;
    std::lock_guard lock(state_->mutex);
    const auto now = Clock::now();
    for (auto it = state_->idle.begin(); it != state_->idle.end();) {
        auto& list = it->second;
        for (auto& c : list)
            if (now - c->idle_since >= state_->options.idle_timeout)
                dropped.push_back(std::move(c));
        std::erase(list, nullptr);
        it = list.empty() ? state_->idle.erase(it) : std::next(it);
    }
    std::erase_if(state_->resolved, [&](const auto& entry) { return entry.second.until <= now; });
}

std::size_t Client::idle_connections() const {
    std::lock_guard lock(state_->mutex);
    std::size_t n = 0;
    for (const auto& [origin, list] : state_->idle) n += list.size();
    return n;
}

}  // namespace etp::net
