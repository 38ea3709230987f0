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
// ("user:pw@", up to the last '@' of the authority) is dropped. An IPv6 zone id is written
// "%25" in a URL (RFC 6874): the host has it as "%" ("fe80::1%eth0"), as the resolver takes it.
std::optional<Url> parse_url(std::string_view url);

// Whether a webhook to `url` would reach a loopback, private or similar address
// (webhook::is_private_address) by its host as written, before any DNS: "localhost" and names
// under ".localhost", "*" (glibc's resolver reads it as no name: loopback), and IP literals in
// every form the system resolver reads as numbers ("127.1", "2130706433", "0x7f.0.0.1",
// "0177.0.0.1", "[::ffff:127.0.0.1]", "[fe80::1%25lo]"), also with one trailing dot. Other names
// are decided by what they resolve to, when the client connects (ClientOptions::address_policy).
// The gateway refuses such targets at create time; it decides on this host, the one the client
// connects to.
bool is_private_host(const Url& url);

}  // namespace etp::net
