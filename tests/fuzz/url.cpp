// net::parse_url and net::is_private_host, the gateway's create-time SSRF decision. The input is
// the URL. Properties: a parsed URL has an http(s) scheme, a port in 1-65535, a target starting
// with '/', and parses the same from its upper-case spelling; and a host judged public is not a
// numeric host that the system resolver (getaddrinfo with AI_NUMERICHOST, no DNS) reads as a
// loopback, private, link-local or unspecified address - checked with a short list of those
// ranges written here, independent of the library's, and with webhook::is_private_address on
// the address as the resolver prints it.

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "etp/domain/delivery_policy.hpp"
#include "etp/net/client_url.hpp"
#include "fuzz_check.hpp"

using etp::fuzz::check;

namespace {

bool core_private_v4(std::uint32_t a) {
    const auto in = [a](std::uint32_t net, int bits) {
        return (a >> (32 - bits)) == (net >> (32 - bits));
    };
    return in(0x00000000, 8) ||   // 0.0.0.0/8
           in(0x7F000000, 8) ||   // 127/8 loopback
           in(0x0A000000, 8) ||   // 10/8
           in(0xAC100000, 12) ||  // 172.16/12
           in(0xC0A80000, 16) ||  // 192.168/16
           in(0xA9FE0000, 16);    // 169.254/16 link-local
}

bool core_private_v6(const unsigned char* b) {
    static const unsigned char kZero[16] = {};
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true;  // :: ::1
    if (std::memcmp(b, kMapped, 12) == 0)
        return core_private_v4(static_cast<std::uint32_t>(b[12]) << 24 |
                               static_cast<std::uint32_t>(b[13]) << 16 |
                               static_cast<std::uint32_t>(b[14]) << 8 | b[15]);
    return (b[0] & 0xFE) == 0xFC ||                  // fc00::/7
           (b[0] == 0xFE && (b[1] & 0xC0) == 0x80);  // fe80::/10
}

// Whether the resolver reads `host` as a number that is a private address.
bool numeric_private(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), "80", &hints, &found) != 0) return false;
    bool any = false;
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        if (ai->ai_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
            any = any || core_private_v4(ntohl(in->sin_addr.s_addr));
            inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        } else if (ai->ai_family == AF_INET6) {
            const auto* in = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
            any = any || core_private_v6(in->sin6_addr.s6_addr);
            inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof text);
        }
        any = any || etp::webhook::is_private_address(text);
    }
    freeaddrinfo(found);
    return any;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    const std::string text(etp::fuzz::text_of(data, size));
    const auto url = etp::net::parse_url(text);
    if (!url) return 0;
    check(url->scheme == "http" || url->scheme == "https", "url: scheme is not http(s)");
    check(url->port >= 1 && url->port <= 65535, "url: port out of range");
    check(!url->target.empty() && url->target.front() == '/', "url: target does not start with /");
    check(!url->host.empty(), "url: empty host");

    std::string upper = text;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto shouted = etp::net::parse_url(upper);
    check(shouted.has_value(), "url: the upper-case URL does not parse");
    check(
        shouted->host == url->host && shouted->port == url->port && shouted->scheme == url->scheme,
        "url: the upper-case URL differs");

    const bool is_private = etp::net::is_private_host(*url);
    if (!is_private) check(!numeric_private(url->host), "url: a private address judged public");
    return 0;
}
