#include "etp/testing/hostile_receiver.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "etp/net/beast.hpp"

namespace etp::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The value of a header in a request head, by lower-case name.
std::string header_value(const std::string& head, const std::string& name) {
    const std::string low = lower(head);
    std::size_t at = low.find("\r\n" + name + ":");
    if (at == std::string::npos) return "";
    at += name.size() + 3;
    std::size_t end = head.find("\r\n", at);
    std::string value = head.substr(at, end - at);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    return value;
}

}  // namespace

struct HostileReceiver::Impl {
    struct Conn {
        explicit Conn(asio::io_context& io) : socket(io), timer(io) {}
        tcp::socket socket;
        std::optional<asio::ssl::stream<tcp::socket&>> tls;
        asio::steady_timer timer;
        std::size_t index = 0;
    };

    Impl(Hostility b, std::optional<HostileTls> tls_files)
        : behaviour(b), tls(asio::ssl::context::tls_server) {
        if (tls_files) {
            tls.use_certificate_chain_file(tls_files->cert_file);
            tls.use_private_key_file(tls_files->key_file, asio::ssl::context::pem);
            use_tls = true;
        }
    }

    asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, int port) {
        for (;;) {
            auto conn = std::make_shared<Conn>(io);
            ErrorCode ec;
            co_await acceptor.async_accept(conn->socket,
                                           asio::redirect_error(asio::use_awaitable, ec));
            if (ec || stopping) co_return;
            // Small send buffer: what the kernel accepted is close to what the client read.
            conn->socket.set_option(asio::socket_base::send_buffer_size(16 * 1024), ec);
            {
                std::lock_guard lock(mutex);
                conn->index = connections.size();
                HostileConnection record;
                record.port = port;
                record.accepted_at = Clock::now();
                connections.push_back(record);
                open.push_back(conn);
            }
            asio::co_spawn(io, serve(conn, port), asio::detached);
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<Conn> conn, int port) {
        if (use_tls) {
            conn->tls.emplace(conn->socket, tls);
            ErrorCode ec;
            co_await conn->tls->async_handshake(asio::ssl::stream_base::server,
                                                asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                closed(*conn);
                co_return;
            }
            co_await session(*conn->tls, *conn, port);
        } else {
            co_await session(conn->socket, *conn, port);
        }
    }

    template <class Stream>
    asio::awaitable<void> session(Stream& stream, Conn& conn, int port) {
        std::string buffer;
        for (;;) {
            // A request: its head, then a Content-Length body.
            ErrorCode ec;
            std::size_t head_end;
            while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
                if (!co_await read_some(stream, buffer)) co_return closed(conn);
            }
            std::string head = buffer.substr(0, head_end + 2);
            std::size_t length = 0;
            if (auto v = header_value(head, "content-length"); !v.empty())
                length = static_cast<std::size_t>(std::stoull(v));
            while (buffer.size() < head_end + 4 + length) {
                if (!co_await read_some(stream, buffer)) co_return closed(conn);
            }
            buffer.erase(0, head_end + 4 + length);
            {
                std::lock_guard lock(mutex);
                ++connections[conn.index].requests;
                HostileRequest r;
                r.port = port;
                r.connection = conn.index;
                r.webhook_id = header_value(head, "webhook-id");
                r.head = head;
                r.received_at = Clock::now();
                requests.push_back(std::move(r));
            }
            switch (behaviour) {
                case Hostility::kAnswerOk:
                    if (!co_await write(stream, conn,
                                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                        "Content-Length: 2\r\n\r\nok"))
                        co_return closed(conn);
                    continue;
                case Hostility::kSilent:
                    // Reads on (nothing comes) until the client hangs up.
                    for (;;)
                        if (!co_await read_some(stream, buffer)) co_return closed(conn);
                case Hostility::kTrickle: {
                    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                    for (char c : answer) {
                        if (!co_await write(stream, conn, std::string(1, c)))
                            co_return closed(conn);
                        conn.timer.expires_after(std::chrono::seconds(1));
                        co_await conn.timer.async_wait(
                            asio::redirect_error(asio::use_awaitable, ec));
                        if (stopping) co_return;
                    }
                    co_return;
                }
                case Hostility::kEndlessHeaders: {
                    if (!co_await write(stream, conn, "HTTP/1.1 200 OK\r\n"))
                        co_return closed(conn);
                    for (std::uint64_t n = 0;; ++n) {
                        std::string line =
                            "X-Filler-" + std::to_string(n) + ": " + std::string(100, 'x') + "\r\n";
                        if (!co_await write(stream, conn, line)) co_return closed(conn);
                    }
                }
                case Hostility::kHugeBody: {
                    if (!co_await write(stream, conn,
                                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                        "Content-Length: " +
                                            std::to_string(kHugeBodyBytes) + "\r\n\r\n"))
                        co_return closed(conn);
                    std::string chunk;
                    while (chunk.size() < 16 * 1024) chunk += "0123456789";
                    chunk.resize(16 * 1000);  // a multiple of 10: every chunk starts at "0"
                    for (std::uint64_t sent = 0; sent < kHugeBodyBytes;) {
                        std::size_t n = static_cast<std::size_t>(
                            std::min<std::uint64_t>(chunk.size(), kHugeBodyBytes - sent));
                        if (!co_await write(stream, conn, chunk.substr(0, n)))
                            co_return closed(conn);
                        sent += n;
                    }
                    continue;
                }
            }
        }
    }

    template <class Stream>
    asio::awaitable<bool> read_some(Stream& stream, std::string& buffer) {
        char data[4096];
        ErrorCode ec;
        std::size_t n = co_await stream.async_read_some(
            asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return false;
        buffer.append(data, n);
        co_return true;
    }

    template <class Stream>
    asio::awaitable<bool> write(Stream& stream, Conn& conn, std::string data) {
        ErrorCode ec;
        std::size_t n = co_await asio::async_write(stream, asio::buffer(data),
                                                   asio::redirect_error(asio::use_awaitable, ec));
        std::lock_guard lock(mutex);
        connections[conn.index].answer_bytes += n;
        co_return !ec && !stopping;
    }

    void closed(Conn& conn) {
        std::lock_guard lock(mutex);
        if (stopping) return;
        auto& record = connections[conn.index];
        if (!record.closed_at) {
            record.closed_by_client = true;
            record.closed_at = Clock::now();
        }
        std::erase_if(open, [&](const auto& c) { return c.get() == &conn; });
    }

    asio::io_context io;
    const Hostility behaviour;
    asio::ssl::context tls;
    bool use_tls = false;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    bool stopping = false;  // set on the I/O thread

    mutable std::mutex mutex;  // guards the members below
    std::vector<HostileConnection> connections;
    std::vector<HostileRequest> requests;
    std::vector<std::shared_ptr<Conn>> open;

    std::thread thread;
};

HostileReceiver::HostileReceiver(Hostility behaviour, std::size_t ports,
                                 std::optional<HostileTls> tls)
    : tls_(tls.has_value()), impl_(std::make_unique<Impl>(behaviour, std::move(tls))) {
    for (std::size_t i = 0; i < ports; ++i) {
        auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
        tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
        acceptor->open(endpoint.protocol());
        acceptor->set_option(asio::socket_base::reuse_address(true));
        acceptor->bind(endpoint);
        acceptor->listen(1024);
        int port = acceptor->local_endpoint().port();
        ports_.push_back(port);
        asio::co_spawn(impl_->io, impl_->accept_loop(*acceptor, port), asio::detached);
        impl_->acceptors.push_back(std::move(acceptor));
    }
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

HostileReceiver::~HostileReceiver() {
    // Everything closes on the I/O thread; the coroutines then end and run() returns.
    asio::post(impl_->io, [impl = impl_.get()] {
        std::vector<std::shared_ptr<Impl::Conn>> open;
        {
            std::lock_guard lock(impl->mutex);
            impl->stopping = true;
            open = impl->open;
        }
        ErrorCode ignored;
        for (auto& a : impl->acceptors) a->close(ignored);
        for (auto& c : open) {
            c->socket.close(ignored);
            c->timer.cancel();
        }
    });
    impl_->thread.join();
}

std::string HostileReceiver::url(std::size_t i, const std::string& path,
                                 const std::string& host) const {
    return std::string(tls_ ? "https" : "http") + "://" + host + ":" +
           std::to_string(ports_.at(i)) + path;
}

std::vector<HostileConnection> HostileReceiver::connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->connections;
}

std::vector<HostileRequest> HostileReceiver::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

std::size_t HostileReceiver::request_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests.size();
}

std::size_t HostileReceiver::open_connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->open.size();
}

bool HostileReceiver::wait_until(const std::function<bool()>& condition,
                                 std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

TestPki make_test_pki() {
    char pattern[] = "/tmp/etp-pki-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    TestPki pki;
    pki.dir = pattern;
    pki.ca_file = pki.dir + "/ca.pem";
    pki.localhost = {pki.dir + "/localhost.pem", pki.dir + "/localhost.key"};
    pki.wrong_name = {pki.dir + "/wrong.pem", pki.dir + "/wrong.key"};
    const std::string d = pki.dir;
    // Elliptic-curve keys: generated in milliseconds.
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    auto leaf = [&](const std::string& name, const std::string& file) {
        const std::string base = d + "/" + file;
        return "printf 'subjectAltName=DNS:" + name +
               "\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > " + base +
               ".ext\n" + "openssl req " + key + " -keyout " + base + ".key -out " + base +
               ".csr -subj /CN=" + name + "\n" + "openssl x509 -req -in " + base + ".csr -CA " + d +
               "/ca.pem -CAkey " + d + "/ca.key -CAcreateserial -days 2 -out " + base +
               ".pem -extfile " + base + ".ext\n";
    };
    {
        std::ofstream script(d + "/make.sh");
        script << "set -e\n"
               << "openssl req -x509 " << key << " -keyout " << d << "/ca.key -out " << d
               << "/ca.pem -days 2 -subj '/CN=etp test CA'"
               << " -addext basicConstraints=critical,CA:TRUE"
               << " -addext keyUsage=critical,keyCertSign,cRLSign\n"
               << leaf("localhost", "localhost") << leaf("wrong.example", "wrong");
    }
    const std::string command = "sh " + d + "/make.sh > " + d + "/openssl.log 2>&1";
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("openssl could not make the test PKI; see " + d + "/openssl.log");
    return pki;
}

}  // namespace etp::testing
