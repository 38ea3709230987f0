// ETP_SECRET_KEY and friends: what a service accepts, and problems that name the variable and
// never echo a key.

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>

#include <unistd.h>

#include "etp/domain/webhook_signature.hpp"
#include "etp/service/secret_keys.hpp"

using etp::runtime::ConfigSpec;

namespace {

struct Parsed {
    std::vector<std::string> problems;
    std::shared_ptr<const etp::secrets::SecretBox> box;
};

Parsed parse(std::map<std::string, std::string> env) {
    Parsed out;
    ConfigSpec spec("test", "test");
    etp::service::add_secret_keys(spec, out.box);
    bool help = false;
    out.problems = spec.parse(
        [&env](std::string_view name) -> std::optional<std::string> {
            auto it = env.find(std::string(name));
            if (it == env.end()) return std::nullopt;
            return it->second;
        },
        {}, &help);
    return out;
}

std::string key(char fill) { return etp::webhook::base64_encode(std::string(32, fill)); }

std::string joined(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& p : problems) out += p + "\n";
    return out;
}

std::string temp_file(const std::string& name, const std::string& content) {
    std::string path = "/tmp/etp_secret_keys_test_" + std::to_string(::getpid()) + "_" + name;
    std::ofstream(path) << content;
    return path;
}

}  // namespace

TEST_CASE("no key: the services start and store plain values") {
    Parsed p = parse({});
    CHECK(p.problems.empty());
    REQUIRE(p.box);
    CHECK_FALSE(p.box->has_key());
    CHECK(p.box->key_id() == "none");
}

TEST_CASE("a key from the variable or a file, with a derived or explicit id") {
    Parsed p = parse({{"ETP_SECRET_KEY", key('a')}});
    REQUIRE(p.problems.empty());
    CHECK(p.box->has_key());
    CHECK(p.box->key_id().size() == 8);

    const std::string file = temp_file("key", key('a') + "\n");
    Parsed f = parse({{"ETP_SECRET_KEY_FILE", file}, {"ETP_SECRET_KEY_ID", "k-2026"}});
    REQUIRE(f.problems.empty());
    CHECK(f.box->key_id() == "k-2026");
    std::remove(file.c_str());
}

TEST_CASE("previous keys open what they sealed; the current key seals") {
    auto a = parse({{"ETP_SECRET_KEY", key('a')}, {"ETP_SECRET_KEY_ID", "a"}});
    REQUIRE(a.problems.empty());
    auto sealed = a.box->seal("whsec_x", "row");
    const std::string file = temp_file("previous", "old:" + key('o') + "\na:" + key('a') + "\n");
    auto b = parse({{"ETP_SECRET_KEY", key('b')}, {"ETP_SECRET_KEYS_PREVIOUS_FILE", file}});
    REQUIRE(b.problems.empty());
    CHECK(b.box->open(sealed, "row") == "whsec_x");
    CHECK(b.box->needs_reseal("a"));
    auto c = parse({{"ETP_SECRET_KEY", key('b')}, {"ETP_SECRET_KEYS_PREVIOUS", "a:" + key('a')}});
    REQUIRE(c.problems.empty());
    CHECK(c.box->open(sealed, "row") == "whsec_x");
    std::remove(file.c_str());
}

TEST_CASE("malformed keys are problems naming the variable, never showing the key") {
    const std::string short_key = etp::webhook::base64_encode("0123456789abcdef");
    auto p = parse({{"ETP_SECRET_KEY", short_key}});
    REQUIRE(p.problems.size() == 1);
    CHECK(p.problems[0].find("ETP_SECRET_KEY ") == 0);
    CHECK(p.problems[0].find("32") != std::string::npos);
    CHECK(joined(p.problems).find(short_key) == std::string::npos);

    auto prev = parse({{"ETP_SECRET_KEY", key('a')},
                       {"ETP_SECRET_KEYS_PREVIOUS", key('b') + ",not-a-key-at-all"}});
    REQUIRE(prev.problems.size() == 1);
    CHECK(prev.problems[0].find("ETP_SECRET_KEYS_PREVIOUS key 2") == 0);
    CHECK(joined(prev.problems).find("not-a-key-at-all") == std::string::npos);

    CHECK(joined(parse({{"ETP_SECRET_KEY", key('a')}, {"ETP_SECRET_KEY_FILE", "/x"}}).problems)
              .find("both set") != std::string::npos);
    CHECK(joined(parse({{"ETP_SECRET_KEY_FILE", "/nonexistent/etp-key"}}).problems)
              .find("ETP_SECRET_KEY_FILE=\"/nonexistent/etp-key\" cannot be read") !=
          std::string::npos);
    CHECK(joined(parse({{"ETP_SECRET_KEY", key('a')}, {"ETP_SECRET_KEY_ID", "none"}}).problems)
              .find("ETP_SECRET_KEY key id must not be \"none\"") != std::string::npos);
    CHECK(joined(parse({{"ETP_SECRET_KEY_ID", "x"}}).problems).find("needs ETP_SECRET_KEY") !=
          std::string::npos);
    CHECK(joined(parse({{"ETP_SECRET_KEYS_PREVIOUS", key('a')}}).problems)
              .find("needs ETP_SECRET_KEY") != std::string::npos);
    CHECK(joined(parse({{"ETP_SECRET_KEY", key('a')},
                        {"ETP_SECRET_KEY_ID", "same"},
                        {"ETP_SECRET_KEYS_PREVIOUS", "same:" + key('b')}})
                     .problems)
              .find("\"same\" is given to two keys") != std::string::npos);
}
