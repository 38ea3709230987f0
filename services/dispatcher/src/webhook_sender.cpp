#include "webhook_sender.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "etp/domain/delivery_policy.hpp"
#include "etp/domain/webhook_signature.hpp"

namespace etp::dispatcher {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Headers the platform sets itself; a target's custom headers cannot replace them.
bool reserved_header(std::string_view name) {
    std::string n = lower(name);
    return n == "content-type" || n == "content-length" || n == "host" || n == "webhook-id" ||
           n == "webhook-timestamp" || n == "webhook-signature" || n == "etp-test" ||
           n == "transfer-encoding" || n == "connection";
}

// Keeps text storable: PostgreSQL text cannot hold NUL.
std::string storable(std::string text) {
    text.erase(std::remove(text.begin(), text.end(), '\0'), text.end());
    return text;
}

}  // namespace

std::optional<Endpoint> parse_endpoint(std::string_view url) {
    Endpoint e;
    std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    e.scheme = lower(url.substr(0, sep));
    if (e.scheme != "http" && e.scheme != "https") return std::nullopt;
    std::string_view rest = url.substr(sep + 3);
    std::size_t path_at = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_at);
    std::string_view path = path_at == std::string_view::npos ? "" : rest.substr(path_at);
    if (std::size_t hash = path.find('#'); hash != std::string_view::npos)
        path = path.substr(0, hash);
    if (std::size_t at = authority.rfind('@'); at != std::string_view::npos)
        authority = authority.substr(at + 1);
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        e.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port_text = after.substr(1);
        }
    } else {
        std::size_t colon = authority.rfind(':');
        e.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (e.host.empty()) return std::nullopt;
    e.host = lower(e.host);
    e.port = e.scheme == "https" ? 443 : 80;
    if (!port_text.empty()) {
        auto [ptr, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), e.port);
        if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || e.port < 1 ||
            e.port > 65535)
            return std::nullopt;
    }
    e.path = path.empty() ? "/" : std::string(path);
    if (e.path.front() == '?') e.path = "/" + e.path;
    bool v6 = e.host.find(':') != std::string::npos;
    e.origin = e.scheme + "://" + (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
    return e;
}

Resolution resolve_host(const std::string& host, bool allow_private) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (rc != 0) return {"", "cannot resolve " + host + ": " + gai_strerror(rc), false};
    Resolution out;
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* addr =
            ai->ai_family == AF_INET
                ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                : static_cast<const void*>(
                      &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
        if (inet_ntop(ai->ai_family, addr, text, sizeof text) == nullptr) continue;
        // One private address is enough to refuse: the name may be served round-robin.
        if (!allow_private && webhook::is_private_address(text)) {
            freeaddrinfo(found);
            return {"",
                    host + " resolves to a loopback or private address (" + text +
                        "); set ETP_ALLOW_PRIVATE_TARGETS=1 to allow it",
                    true};
        }
        if (out.address.empty()) out.address = text;
    }
    freeaddrinfo(found);
    if (out.address.empty()) out.error = "cannot resolve " + host + ": no address";
    return out;
}

std::unique_ptr<httplib::Client> make_client(const Endpoint& endpoint, const std::string& address) {
    auto client = std::make_unique<httplib::Client>(endpoint.origin);
    client->set_keep_alive(true);
    client->set_follow_location(false);
    client->set_tcp_nodelay(true);
    if (!address.empty() && address != endpoint.host)
        client->set_hostname_addr_map({{endpoint.host, address}});
    return client;
}

HttpResult send_webhook(httplib::Client& client, const WebhookRequest& request) {
    const auto timeout = std::chrono::milliseconds(request.target.timeout_ms);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);

    httplib::Request req;
    req.method = request.target.method;
    req.path = request.endpoint.path;
    for (const auto& [name, value] : request.target.headers)
        if (!reserved_header(name)) req.headers.emplace(name, value);
    auto timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    req.headers.emplace("Content-Type", "application/cloudevents+json");
    req.headers.emplace("User-Agent", "etp-dispatcher/1");
    req.headers.emplace("webhook-id", request.webhook_id);
    req.headers.emplace("webhook-timestamp", std::to_string(timestamp));
    if (!request.secrets.empty())
        req.headers.emplace("webhook-signature",
                            webhook::signature_header(request.secrets, request.webhook_id,
                                                      timestamp, request.body));
    if (request.is_test) req.headers.emplace("etp-test", "true");
    req.body = request.body;

    HttpResult result;
    std::size_t received = 0;
    // The answer's body is read but only its head kept; an endless one ends the attempt.
    req.content_receiver = [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
        if (result.body_head.size() < kKeptResponseBytes)
            result.body_head.append(data,
                                    std::min(length, kKeptResponseBytes - result.body_head.size()));
        received += length;
        return received <= 1024 * 1024;
    };

    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    auto start = std::chrono::steady_clock::now();
    bool answered = client.send(req, res, error);
    result.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    result.body_head = storable(std::move(result.body_head));
    if (answered) {
        result.status = res.status;
        if (res.has_header("Retry-After")) result.retry_after = res.get_header_value("Retry-After");
        result.reusable = true;
        return result;
    }
    bool slow = result.latency + std::chrono::milliseconds(50) >= timeout;
    if (error == httplib::Error::ConnectionTimeout ||
        ((error == httplib::Error::Read || error == httplib::Error::Write) && slow))
        result.error = "timeout after " + std::to_string(request.target.timeout_ms) + " ms";
    else if (error == httplib::Error::Canceled && received > 1024 * 1024)
        result.error = "response body over 1 MiB";
    else
        result.error = "request failed: " + httplib::to_string(error);
    return result;
}

}  // namespace etp::dispatcher
