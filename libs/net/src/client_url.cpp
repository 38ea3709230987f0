#include "etp/net/client_url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>

#include "etp/domain/delivery_policy.hpp"

#include "etp/net/message.hpp"

namespace etp::net {

std::optional<Url> parse_url(std::string_view url) {
    Url u;
    std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    u.scheme = ascii_lower(url.substr(0, sep));
    if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
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
        u.host = std::string(authority.substr(1, close - 1));
        if (std::size_t zone = u.host.find("%25"); zone != std::string::npos)
            u.host.erase(zone + 1, 2);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port_text = after.substr(1);
        }
    } else {
        std::size_t colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    // A NUL ends the host for the resolver, which reads "[5873<NUL>::1]" as 5873 (0.0.22.241),
    // so is_private_host would judge another host than the one connected to; spaces and other
    // control characters are no part of a host either.
    if (u.host.empty() || std::any_of(u.host.begin(), u.host.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
        }))
        return std::nullopt;
    u.host = ascii_lower(u.host);
    u.port = u.scheme == "https" ? 443 : 80;
    if (!port_text.empty()) {
        auto [ptr, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), u.port);
        if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || u.port < 1 ||
            u.port > 65535)
            return std::nullopt;
    }
    u.target = path.empty() ? "/" : std::string(path);
    if (u.target.front() == '?') u.target = "/" + u.target;
    bool v6 = u.host.find(':') != std::string::npos;
    u.origin = u.scheme + "://" + (v6 ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port);
    return u;
}

bool is_private_host(const Url& url) {
    // "localhost." is the same name as "localhost" (fully qualified), and "127.0.0.1." reads as
    // the address to some resolvers.
    std::string_view host = url.host;
    if (host.ends_with('.')) host.remove_suffix(1);
    if (host == "localhost" || host.ends_with(".localhost")) return true;
    // glibc's getaddrinfo takes "*" for no name at all: the loopback address.
    if (host == "*") return true;
    if (webhook::is_private_address(host)) return true;
    // The legacy numeric forms getaddrinfo takes through inet_aton, at any length: it reads any
    // number of leading zeros ("0000...02" is 0.0.0.2).
    if (host.find(':') == std::string_view::npos) {
        in_addr legacy{};
        std::string text(host);
        if (inet_aton(text.c_str(), &legacy) != 0) {
            char dotted[INET_ADDRSTRLEN] = {};
            if (inet_ntop(AF_INET, &legacy, dotted, sizeof dotted) != nullptr &&
                webhook::is_private_address(dotted))
                return true;
        }
    }
    return false;
}

}  // namespace etp::net
