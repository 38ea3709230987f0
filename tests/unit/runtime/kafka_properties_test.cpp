#include <catch2/catch.hpp>
#include <map>

#include "etp/runtime/kafka_properties.hpp"

using etp::runtime::build_kafka_properties;
using etp::runtime::describe_kafka_properties;
using etp::runtime::is_secret_kafka_property;
using etp::runtime::KafkaProperties;
using etp::runtime::KafkaSecuritySettings;
using etp::runtime::parse_kafka_properties;
using etp::runtime::redact_kafka_secrets;

namespace {

// Files by path; a path not listed cannot be read.
etp::runtime::FileReader files(std::map<std::string, std::string> content) {
    return [content](const std::string& path, std::string* error) -> std::optional<std::string> {
        auto it = content.find(path);
        if (it == content.end()) {
            *error = "No such file or directory";
            return std::nullopt;
        }
        return it->second;
    };
}

KafkaSecuritySettings sasl_ssl() {
    KafkaSecuritySettings s;
    s.security_protocol = "sasl_ssl";
    s.sasl_mechanism = "SCRAM-SHA-512";
    s.sasl_username = "etp";
    s.sasl_password = "hunter2";
    return s;
}

bool mentions(const std::vector<std::string>& problems, std::string_view text) {
    for (const auto& p : problems) {
        if (p.find(text) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("a properties file is key=value lines with comments, blanks and trimmed whitespace") {
    std::vector<std::string> problems;
    KafkaProperties p = parse_kafka_properties(
        "# managed cluster\n"
        "\n"
        "  socket.keepalive.enable = true  \n"
        "\t# indented comment\n"
        "ssl.endpoint.identification.algorithm=https\r\n"
        "sasl.oauthbearer.config = a=b c=d\n"
        "topic.metadata.refresh.interval.ms=1000\n"
        "topic.metadata.refresh.interval.ms=2000\n"
        "client.rack=",
        problems);
    CHECK(problems.empty());
    CHECK(p == KafkaProperties{{"socket.keepalive.enable", "true"},
                               {"ssl.endpoint.identification.algorithm", "https"},
                               {"sasl.oauthbearer.config", "a=b c=d"},
                               {"topic.metadata.refresh.interval.ms", "2000"},
                               {"client.rack", ""}});
}

TEST_CASE("a malformed properties line is a problem naming its number, not its text") {
    std::vector<std::string> problems;
    parse_kafka_properties("a=1\nsasl.password hunter2\n=value\nkey with space=1\n", problems);
    REQUIRE(problems.size() == 3);
    CHECK(problems[0] == "KAFKA_PROPERTIES_FILE line 2: expected key=value");
    CHECK(problems[1] == "KAFKA_PROPERTIES_FILE line 3: expected key=value");
    CHECK(problems[2] == "KAFKA_PROPERTIES_FILE line 4: expected key=value");
    for (const auto& p : problems) CHECK(p.find("hunter2") == std::string::npos);
}

TEST_CASE("a properties file cannot change what the platform sets itself") {
    std::vector<std::string> problems;
    auto p = parse_kafka_properties(
        "bootstrap.servers=evil:9092\nenable.auto.commit=true\nacks=1\nlinger.ms=5\n", problems);
    CHECK(p.empty());
    REQUIRE(problems.size() == 4);
    CHECK(problems[0] ==
          "KAFKA_PROPERTIES_FILE line 1: bootstrap.servers is set by the platform and cannot be "
          "changed");
    CHECK(mentions(problems, "line 2: enable.auto.commit"));
}

TEST_CASE("librdkafka's sasl.mechanisms alias is read as sasl.mechanism") {
    std::vector<std::string> problems;
    auto p = parse_kafka_properties("sasl.mechanisms=PLAIN\n", problems);
    CHECK(p == KafkaProperties{{"sasl.mechanism", "PLAIN"}});
}

TEST_CASE("no Kafka settings give no properties") {
    std::vector<std::string> problems;
    CHECK(build_kafka_properties({}, files({}), problems).empty());
    CHECK(problems.empty());
}

TEST_CASE("SASL_SSL settings become librdkafka properties") {
    KafkaSecuritySettings s = sasl_ssl();
    s.ssl_ca_location = "/etc/kafka/ca.pem";
    s.ssl_certificate_location = "/etc/kafka/client.pem";
    s.ssl_key_location = "/etc/kafka/client.key";
    s.ssl_key_password = "keypass";
    std::vector<std::string> problems;
    auto p = build_kafka_properties(s, files({}), problems);
    CHECK(problems.empty());
    CHECK(p == KafkaProperties{{"security.protocol", "sasl_ssl"},
                               {"sasl.mechanism", "SCRAM-SHA-512"},
                               {"sasl.username", "etp"},
                               {"sasl.password", "hunter2"},
                               {"ssl.ca.location", "/etc/kafka/ca.pem"},
                               {"ssl.certificate.location", "/etc/kafka/client.pem"},
                               {"ssl.key.location", "/etc/kafka/client.key"},
                               {"ssl.key.password", "keypass"}});
}

TEST_CASE("the password can come from a file, without its trailing newline") {
    KafkaSecuritySettings s = sasl_ssl();
    s.sasl_password.clear();
    s.sasl_password_file = "/run/secrets/kafka";
    std::vector<std::string> problems;
    auto p = build_kafka_properties(s, files({{"/run/secrets/kafka", "s3cret pass\n"}}), problems);
    CHECK(problems.empty());
    CHECK(p["sasl.password"] == "s3cret pass");
}

TEST_CASE("password file problems") {
    std::vector<std::string> problems;
    SECTION("missing") {
        KafkaSecuritySettings s = sasl_ssl();
        s.sasl_password.clear();
        s.sasl_password_file = "/nope";
        build_kafka_properties(s, files({}), problems);
        CHECK(problems == std::vector<std::string>{"KAFKA_SASL_PASSWORD_FILE=\"/nope\" cannot be "
                                                   "read: No such file or directory"});
    }
    SECTION("empty") {
        KafkaSecuritySettings s = sasl_ssl();
        s.sasl_password.clear();
        s.sasl_password_file = "/empty";
        build_kafka_properties(s, files({{"/empty", "\n"}}), problems);
        CHECK(problems == std::vector<std::string>{"KAFKA_SASL_PASSWORD_FILE=\"/empty\" is empty"});
    }
    SECTION("both a password and a password file") {
        KafkaSecuritySettings s = sasl_ssl();
        s.sasl_password_file = "/run/secrets/kafka";
        build_kafka_properties(s, files({{"/run/secrets/kafka", "other"}}), problems);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0] ==
              "KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set; use one");
    }
}

TEST_CASE("the properties file comes first and the explicit settings override it") {
    KafkaSecuritySettings s = sasl_ssl();
    s.properties_file = "/etc/etp/kafka.properties";
    std::vector<std::string> problems;
    auto p = build_kafka_properties(
        s,
        files({{"/etc/etp/kafka.properties",
                "security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=PLAIN\nsasl.username=file-user\n"
                "socket.timeout.ms=30000\n"}}),
        problems);
    CHECK(problems.empty());
    CHECK(p["security.protocol"] == "sasl_ssl");
    CHECK(p["sasl.mechanism"] == "SCRAM-SHA-512");
    CHECK(p["sasl.username"] == "etp");
    CHECK(p["socket.timeout.ms"] == "30000");
    CHECK(p.count("sasl.mechanisms") == 0);
}

TEST_CASE("the properties file alone can configure SASL") {
    KafkaSecuritySettings s;
    s.properties_file = "/k";
    std::vector<std::string> problems;
    auto p = build_kafka_properties(s,
                                    files({{"/k",
                                            "security.protocol=sasl_ssl\nsasl.mechanism=PLAIN\n"
                                            "sasl.username=u\nsasl.password=p\n"}}),
                                    problems);
    CHECK(problems.empty());
    CHECK(p.size() == 4);
}

TEST_CASE("properties file problems") {
    KafkaSecuritySettings s;
    s.properties_file = "/k";
    std::vector<std::string> problems;
    SECTION("unreadable") {
        build_kafka_properties(s, files({}), problems);
        CHECK(problems == std::vector<std::string>{"KAFKA_PROPERTIES_FILE=\"/k\" cannot be read: "
                                                   "No such file or directory"});
    }
    SECTION("malformed line") {
        build_kafka_properties(s, files({{"/k", "# ok\nnot a property\n"}}), problems);
        CHECK(problems ==
              std::vector<std::string>{"KAFKA_PROPERTIES_FILE line 2: expected key=value"});
    }
    SECTION("unknown security protocol") {
        build_kafka_properties(s, files({{"/k", "security.protocol=tls\n"}}), problems);
        CHECK(mentions(problems, "security.protocol must be plaintext, ssl"));
    }
}

TEST_CASE("cross-checks between the Kafka settings") {
    std::vector<std::string> problems;
    SECTION("a SASL protocol needs a mechanism") {
        KafkaSecuritySettings s = sasl_ssl();
        s.sasl_mechanism.clear();
        build_kafka_properties(s, files({}), problems);
        CHECK(problems == std::vector<std::string>{
                              "KAFKA_SASL_MECHANISM (sasl.mechanism) must be set with security "
                              "protocol sasl_ssl: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"});
    }
    SECTION("a SASL protocol needs a username and a password") {
        KafkaSecuritySettings s = sasl_ssl();
        s.security_protocol = "sasl_plaintext";
        s.sasl_mechanism = "PLAIN";
        s.sasl_username.clear();
        s.sasl_password.clear();
        build_kafka_properties(s, files({}), problems);
        REQUIRE(problems.size() == 2);
        CHECK(problems[0] ==
              "KAFKA_SASL_USERNAME (sasl.username) must be set with SASL mechanism PLAIN");
        CHECK(problems[1].starts_with("KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE"));
    }
    SECTION("another mechanism from the file needs no username") {
        KafkaSecuritySettings s;
        s.security_protocol = "sasl_ssl";
        s.properties_file = "/k";
        build_kafka_properties(s, files({{"/k", "sasl.mechanism=OAUTHBEARER\n"}}), problems);
        CHECK(problems.empty());
    }
    SECTION("a mechanism without a SASL protocol") {
        KafkaSecuritySettings s;
        s.sasl_mechanism = "PLAIN";
        build_kafka_properties(s, files({}), problems);
        CHECK(problems == std::vector<std::string>{
                              "KAFKA_SASL_MECHANISM (sasl.mechanism) needs "
                              "KAFKA_SECURITY_PROTOCOL sasl_plaintext or sasl_ssl, not plaintext "
                              "(the default)"});
    }
    SECTION("credentials without a SASL protocol") {
        KafkaSecuritySettings s;
        s.security_protocol = "ssl";
        s.sasl_username = "etp";
        s.sasl_password = "hunter2";
        build_kafka_properties(s, files({}), problems);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].starts_with("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"));
        CHECK(problems[0].ends_with("not ssl"));
        CHECK(problems[0].find("hunter2") == std::string::npos);
    }
    SECTION("TLS files without a TLS protocol") {
        KafkaSecuritySettings s;
        s.security_protocol = "sasl_plaintext";
        s.sasl_mechanism = "PLAIN";
        s.sasl_username = "u";
        s.sasl_password = "p";
        s.ssl_ca_location = "/ca.pem";
        build_kafka_properties(s, files({}), problems);
        CHECK(problems == std::vector<std::string>{
                              "ssl.ca.location (KAFKA_SSL_*) needs KAFKA_SECURITY_PROTOCOL ssl or "
                              "sasl_ssl, not sasl_plaintext"});
    }
}

TEST_CASE("secret properties are recognised by name") {
    for (const char* name :
         {"sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem", "ssl_key",
          "sasl.oauthbearer.config", "sasl.oauthbearer.client.secret", "SASL.PASSWORD"}) {
        INFO(name);
        CHECK(is_secret_kafka_property(name));
    }
    for (const char* name : {"sasl.username", "security.protocol", "ssl.ca.location",
                             "ssl.key.location", "bootstrap.servers"}) {
        INFO(name);
        CHECK_FALSE(is_secret_kafka_property(name));
    }
}

TEST_CASE("secrets are redacted from text and from property listings") {
    KafkaProperties p = {{"sasl.username", "etp"},
                         {"sasl.password", "hunter2"},
                         {"ssl.key.password", "keypass"},
                         {"sasl.oauthbearer.config", "principal=etp secret=abc"},
                         {"security.protocol", "sasl_ssl"}};
    CHECK(redact_kafka_secrets("bad value hunter2 (again: hunter2) keypass", p) ==
          "bad value *** (again: ***) ***");
    CHECK(redact_kafka_secrets("config principal=etp secret=abc", p) == "config ***");
    CHECK(redact_kafka_secrets("nothing to hide", p) == "nothing to hide");
    CHECK(describe_kafka_properties(p) ==
          "sasl.oauthbearer.config=***, sasl.password=***, sasl.username=etp, "
          "security.protocol=sasl_ssl, ssl.key.password=***");
    CHECK(redact_kafka_secrets("x", {{"sasl.password", ""}}) == "x");
}
