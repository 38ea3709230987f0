#pragma once
// An asynchronous HTTP/1.1 client on Boost.Asio/Beast for requests the platform sends out
// (webhooks): no thread per request, so a target that never answers holds a socket and a timer,
// nothing else.
//
// - One deadline per request covers resolution, connect, TLS handshake, sending and reading
//   the whole answer.
// - Hosts are resolved asynchronously (Asio's resolver), once for all requests waiting on the
//   same name, and cached; every address is shown to an AddressPolicy before any connection
//   is made, and connections go only to addresses it accepted. Asio runs an io_context's
//   lookups one at a time on one thread: a name whose DNS hangs delays lookups of other names
//   not in the cache (not their requests' deadlines).
// - Kept-alive connections are pooled per origin (scheme://host:port) and reused only after an
//   answer that was read completely and allowed keep-alive.
// - TLS: system CAs plus an optional CA file, SNI, and the peer's certificate checked for the
//   URL's host name (or IP address).
// - The answer's header block is bounded, its body is read up to a limit (the connection is
//   dropped beyond it) and only its first bytes are kept. Redirects are not followed.
//
// Thread-safe: requests may be started from any thread; completions run on the io_context's
// threads.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "etp/net/beast.hpp"
#include "etp/net/client_url.hpp"

namespace etp::net {

namespace detail {
class ClientState;
}

// Decides whether `address` (text form), one of those `host` resolved to, may be connected to:
// nullopt allows it, a text refuses the whole host with that reason. Called on I/O threads.
using AddressPolicy =
    std::function<std::optional<std::string>(const std::string& host, const std::string& address)>;

struct ClientOptions {
    // PEM file of CA certificates trusted in addition to the system's; empty for none.
    std::string ca_file;
    AddressPolicy address_policy;  // empty: every address is allowed
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 64 * 1024;  // read at most this much of a body
    std::size_t kept_body_bytes = 1024;      // kept in ClientResponse::body_head
    std::size_t max_idle_per_origin = 8;
    std::chrono::milliseconds idle_timeout{30000};  // idle connections older are closed
    std::chrono::milliseconds resolved_for{60000};  // how long a resolution is reused
    std::chrono::milliseconds failed_resolution_for{5000};
};

struct ClientRequest {
    std::string method = "POST";
    Url url;
    // Sent as given, after Host and User-Agent defaults; Content-Length, Transfer-Encoding,
    // Host and Connection are the client's own and skipped here, as are names or values with
    // characters HTTP does not allow.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds timeout{10000};  // the whole request, resolution to last byte
};

struct ClientResponse {
    // The answer's status once its header block was read; none when there was no answer.
    std::optional<int> status;
    std::string error;     // why there is no status ("" when there is one)
    bool refused = false;  // the address policy refused the host: retrying will not help
    bool timed_out = false;
    std::vector<std::pair<std::string, std::string>> headers;  // as received
    std::string body_head;       // the first kept_body_bytes of the body
    std::size_t body_bytes = 0;  // body bytes read (at most max_body_bytes + one read)
    bool body_complete = false;  // the whole body was read
    bool reused_connection = false;
    std::chrono::milliseconds elapsed{0};

    // The first value of a header, by case-insensitive name.
    std::optional<std::string> header(std::string_view name) const;
};

// Nullopt when `path` names a readable PEM file with at least one certificate, else why not.
std::optional<std::string> ca_file_problem(const std::string& path);

class Client {
 public:
    // Throws etp::Error (invalid input) when options.ca_file cannot be loaded.
    Client(boost::asio::io_context& io, ClientOptions options);
    ~Client();  // cancel_all()
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    using Completion = std::function<void(ClientResponse)>;
    // Starts a request; `done` runs exactly once, on an io_context thread, never inside this
    // call. After cancel_all() it completes at once with an error.
    void async_send(ClientRequest request, Completion done);

    // Completes every request in flight with the error "canceled" (promptly: their sockets
    // are closed on their strands), closes idle connections and refuses new requests.
    // Idempotent; never throws.
    void cancel_all() noexcept;
    // Closes idle connections past idle_timeout and forgets expired resolutions.
    void prune() noexcept;
    std::size_t idle_connections() const;

 private:
    // Shared with the requests in flight, which may outlive this object by a moment.
    std::shared_ptr<detail::ClientState> state_;
};

}  // namespace etp::net
