#pragma once
// Absolute http(s) URLs as the client uses them. Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace etp::net {

// An http(s) URL split into what connections are pooled by (origin) and the request target.
struct Url {
    std::string origin;  // "scheme://host:port", lower-case, IPv6 hosts in brackets
    std::string scheme;  // "http" or "https"
    std::string host;    // lower-case, without brackets
    int port = 0;
    std::string target;  // path and query, at least "/"; no fragment
};
// Nullopt for anything but an absolute http(s) URL with a host and a valid port. User info
// ("user:pw@") is dropped.
std::optional<Url> parse_url(std::string_view url);

}  // namespace etp::net
