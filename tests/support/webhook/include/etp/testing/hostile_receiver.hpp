#pragma once
// Webhook targets that misbehave at the socket level, for tests of the dispatcher's client:
// answers no well-behaved HTTP server would give. Listens on one or many free 127.0.0.1 ports
// (each its own origin), all served by one Asio thread, so hundreds of ports and thousands of
// held connections cost no threads. Each request (header block and Content-Length body) is
// read and recorded; then the receiver behaves as told:
//
//   kAnswerOk        200 "ok" at once, keep-alive (over TLS too: the well-behaved control)
//   kSilent          never answers; the connection stays open until the client closes it
//   kTrickle         "HTTP/1.1 200 OK..." one byte a second
//   kEndlessHeaders  a status line, then header lines as fast as the client takes them
//   kHugeBody        200 with Content-Length 100 MiB, the body a repeating "0123456789"
//
// Thread-safe: counters and records are read from the test's thread while the I/O thread
// serves. Destruction closes every socket and joins the thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace etp::testing {

enum class Hostility { kAnswerOk, kSilent, kTrickle, kEndlessHeaders, kHugeBody };

inline constexpr std::uint64_t kHugeBodyBytes = 100ULL * 1024 * 1024;

struct HostileTls {
    std::string cert_file;  // PEM chain the receiver presents
    std::string key_file;
};

// One connection, as the receiver saw it.
struct HostileConnection {
    int port = 0;
    std::size_t requests = 0;        // complete requests read on it
    std::uint64_t answer_bytes = 0;  // bytes of answers written (accepted by the kernel)
    bool closed_by_client = false;   // EOF or a write error: the client hung up
    std::optional<std::chrono::steady_clock::time_point> closed_at;
    std::chrono::steady_clock::time_point accepted_at;
};

// One request, as it arrived.
struct HostileRequest {
    int port = 0;
    std::size_t connection = 0;  // index into connections()
    std::string webhook_id;      // "" when absent
    std::string head;            // request line and headers
    std::chrono::steady_clock::time_point received_at;
};

class HostileReceiver {
 public:
    // Listens on `ports` free loopback ports. Throws std::runtime_error when it cannot.
    explicit HostileReceiver(Hostility behaviour, std::size_t ports = 1,
                             std::optional<HostileTls> tls = std::nullopt);
    ~HostileReceiver();
    HostileReceiver(const HostileReceiver&) = delete;
    HostileReceiver& operator=(const HostileReceiver&) = delete;

    std::size_t port_count() const noexcept { return ports_.size(); }
    int port(std::size_t i = 0) const { return ports_.at(i); }
    // "http(s)://<host>:<port i><path>"; host defaults to 127.0.0.1.
    std::string url(std::size_t i, const std::string& path,
                    const std::string& host = "127.0.0.1") const;

    std::vector<HostileConnection> connections() const;
    std::vector<HostileRequest> requests() const;
    std::size_t request_count() const;
    std::size_t open_connections() const;

    // Polls `condition` (called without the receiver's lock) until it holds or `timeout`
    // passes; returns its last value.
    bool wait_until(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout) const;

 private:
    struct Impl;
    friend struct Impl;
    std::vector<int> ports_;
    bool tls_ = false;
    std::unique_ptr<Impl> impl_;
};

// A private CA and certificates signed by it, made with the openssl CLI in a fresh temporary
// directory: one for "localhost" and one for "wrong.example". Throws std::runtime_error when
// openssl fails.
struct TestPki {
    std::string dir;
    std::string ca_file;
    HostileTls localhost;
    HostileTls wrong_name;
};
TestPki make_test_pki();

}  // namespace etp::testing
