#pragma once
// One HTTP attempt of a webhook: the signed request over a kept-alive connection, the answer
// read with a bounded body, and no redirects followed. Also where a target URL's host is
// resolved and, unless private targets are allowed, refused when any of its addresses is
// loopback or private; the connection then goes to the address that was checked, so a DNS
// answer that changes between check and connect cannot slip past.

#include <httplib.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/event.hpp"

namespace etp::dispatcher {

// scheme://host:port — what connections are pooled and limited by — and the request path.
struct Endpoint {
    std::string origin;
    std::string scheme;
    std::string host;  // without brackets
    int port = 0;
    std::string path;  // path and query, at least "/"
};
std::optional<Endpoint> parse_endpoint(std::string_view url);

// The outcome of resolving an origin's host.
struct Resolution {
    std::string address;               // the one to connect to; empty when refused or unresolved
    std::optional<std::string> error;  // why it cannot be used
    bool refused = false;              // private address: retrying will not help
};
Resolution resolve_host(const std::string& host, bool allow_private);

struct WebhookRequest {
    const Endpoint& endpoint;
    const Target& target;
    const std::vector<std::string>& secrets;
    const std::string& body;
    std::string webhook_id;
    bool is_test = false;
};

struct HttpResult {
    std::optional<int> status;  // none: no HTTP answer
    std::string error;          // set when status is none
    std::string body_head;      // the first 1 KiB of the answer
    std::optional<std::string> retry_after;
    std::chrono::milliseconds latency{0};
    bool reusable = false;  // the connection may serve the next request
};

inline constexpr std::size_t kKeptResponseBytes = 1024;

// Creates a client for an endpoint, connecting to `address`.
std::unique_ptr<httplib::Client> make_client(const Endpoint& endpoint, const std::string& address);
HttpResult send_webhook(httplib::Client& client, const WebhookRequest& request);

}  // namespace etp::dispatcher
