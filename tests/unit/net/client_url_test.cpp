// The webhook client's URL parser, and the create-time private-host check that decides on the
// host it gives (issue 22: the gateway used a URL parser of its own for this).

#include <catch2/catch.hpp>
#include <string>

#include "etp/net/client_url.hpp"

using etp::net::is_private_host;
using etp::net::parse_url;

namespace {

bool private_url(const char* url) {
    auto parsed = parse_url(url);
    REQUIRE(parsed);
    return is_private_host(*parsed);
}

}  // namespace

TEST_CASE("IPv6 zone ids are taken as the resolver writes them") {
    auto u = parse_url("http://[fe80::1%25eth0]:8080/x");
    REQUIRE(u);
    CHECK(u->host == "fe80::1%eth0");
    CHECK(u->port == 8080);
    u = parse_url("http://user:p%40ss@[::1]/");
    REQUIRE(u);
    CHECK(u->host == "::1");
}

TEST_CASE("private target hosts in every form the resolver reads") {
    for (const char* url : {"http://localhost/hook",
                            "http://LOCALHOST:8080",
                            "https://LocalHost./x",
                            "https://api.localhost/hook",
                            "http://a.b.localhost:9/",
                            "HTTP://127.0.0.1/",
                            "http://127.0.0.1:8080/hook?x=1#f",
                            "http://user:pass@127.0.0.1:8080/x",
                            "http://example.com@10.0.0.5/",
                            "http://a@b@192.168.0.1/",
                            "http://example.com\\@127.0.0.1/",
                            "http://10.0.0.5?q=1",
                            "http://10.0.0.5#frag",
                            "http://169.254.169.254/latest/meta-data/",
                            "http://[::1]/",
                            "http://[::1]:8080/hook",
                            "https://user@[::1]:8443/x",
                            "http://[::ffff:169.254.169.254]/",
                            "http://[fe80::1%25eth0]:80/",
                            "http://[fe80::1%eth0]/",
                            "http://[64:ff9b::7f00:1]/",
                            "http://[2002:7f00:1::1]/",
                            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
                            "http://192.0.0.170/",
                            "http://198.18.0.1/",
                            "http://0.0.0.0:80/",
                            "http://0/",
                            "http://127.1/",
                            "http://2130706433/",
                            "http://0x7f000001/",
                            "http://0x7f.1/",
                            "http://017700000001/",
                            "http://0177.0.0.1/",
                            "http://127.0.0.1./",
                            "http://2130706433./",
                            "http://169.254.169.254.:80/"}) {
        INFO(url);
        CHECK(private_url(url));
    }
}

TEST_CASE("public target hosts pass") {
    for (const char* url :
         {"https://example.com/hook", "https://example.com:8443/p?next=http://127.0.0.1/#x",
          "http://127.0.0.1@example.com/", "http://user:127.0.0.1@example.com:80/",
          "http://127.0.0.1:80@example.com/", "http://[::1]@example.com/", "http://8.8.8.8/",
          "http://134744072/", "http://172.32.0.1/", "http://[2001:4860:4860::8888]:443/",
          "http://[2001:1::1]/", "http://localhost.example.com/", "http://mylocalhost/",
          "http://example.com/localhost", "http://example.com./",
          "https://hooks.slack.com/services/T000/B000/XXXX"}) {
        INFO(url);
        CHECK_FALSE(private_url(url));
    }
    // Not URLs the client takes at all: the gateway refuses them as such.
    for (const char* url : {"ftp://127.0.0.1/", "not a url", "http://127.0.0.1:0/", "http://[::1/",
                            "http://user@/", "http://10.0.0.1:99999/"}) {
        INFO(url);
        CHECK_FALSE(parse_url(url));
    }
}

// Found by tests/fuzz (url): the resolver stops at a NUL, so "[5873<NUL>...]" was judged public
// while the client would have connected to 5873, i.e. 0.0.22.241.
TEST_CASE("hosts holding a NUL or other control character or a space are not URLs") {
    using namespace std::string_literals;
    CHECK_FALSE(parse_url("https://[5873\0d::1]:8443/p"s));
    CHECK_FALSE(parse_url("http://127.0.0.1\0.example.com/"s));
    for (const char* bad : {"http://example.com /", "http://exa mple.com/", "http://example.com\t/",
                            "http://[::1\n]/", "http://example.com\x7f/"}) {
        INFO(bad);
        CHECK_FALSE(parse_url(bad));
    }
    CHECK(parse_url("http://example.com/a b"));  // the target is not the host
}

// Found by tests/fuzz (url): glibc's getaddrinfo takes the name "*" for no name, which is the
// loopback address.
TEST_CASE("a host that is one asterisk is the loopback address to the resolver") {
    CHECK(private_url("http://*/"));
    CHECK(private_url("https://*.:8443/x"));
    CHECK_FALSE(private_url("http://*.example.com/"));
}

// Found by tests/fuzz (url): the legacy numeric forms were only looked at in hosts shorter than
// 64 characters, but the resolver reads any number of leading zeros.
TEST_CASE("numeric hosts padded with zeros are still private") {
    const std::string zeros(80, '0');
    CHECK(private_url(("http://" + zeros + "2/").c_str()));           // octal 2: 0.0.0.2
    CHECK(private_url(("http://0x" + zeros + "7f000001/").c_str()));  // 127.0.0.1
    CHECK(private_url(("http://127.0.0." + zeros + "1/").c_str()));   // 127.0.0.1
    CHECK_FALSE(private_url(("http://" + zeros + "10.example.com/").c_str()));
}
