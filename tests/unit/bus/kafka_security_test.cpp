#include <catch2/catch.hpp>

#include "etp/bus/consumer.hpp"
#include "etp/bus/producer.hpp"
#include "etp/bus/security_failure.hpp"

using etp::bus::classify_security_failure;
using etp::bus::SecurityFailure;

TEST_CASE("wrong credentials and failed TLS handshakes are told from other connection errors") {
    CHECK(classify_security_failure("_AUTHENTICATION",
                                    "sasl_ssl://127.0.0.1:9093/bootstrap: SASL authentication "
                                    "error: Authentication failed during authentication due to "
                                    "invalid credentials with SASL mechanism SCRAM-SHA-512") ==
          SecurityFailure::kAuthentication);
    CHECK(classify_security_failure("SASL_AUTHENTICATION_FAILED", "") ==
          SecurityFailure::kAuthentication);
    CHECK(classify_security_failure("_SSL",
                                    "ssl://k:9093/bootstrap: SSL handshake failed: "
                                    "error:0A000086:SSL routines::certificate verify failed") ==
          SecurityFailure::kTls);
    CHECK(classify_security_failure("_TRANSPORT",
                                    "ssl://k:9092/bootstrap: SSL handshake failed: Disconnected: "
                                    "connecting to a PLAINTEXT broker listener?") ==
          SecurityFailure::kTls);
    CHECK(classify_security_failure("_TRANSPORT",
                                    "sasl_ssl://k:9094/bootstrap: error:0A000086:SSL "
                                    "routines::certificate verify failed (after 10ms in state "
                                    "SSL_HANDSHAKE)") == SecurityFailure::kTls);
    CHECK(classify_security_failure("_TRANSPORT",
                                    "k:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: "
                                    "Connection refused") == SecurityFailure::kNone);
    CHECK(classify_security_failure("_ALL_BROKERS_DOWN", "1/1 brokers are down") ==
          SecurityFailure::kNone);
    CHECK(etp::bus::describe(SecurityFailure::kAuthentication) == "kafka authentication failed");
    CHECK(etp::bus::describe(SecurityFailure::kTls) == "kafka TLS handshake failed");
}

TEST_CASE("the attempt's varying suffix is dropped from a failure's reason") {
    using etp::bus::without_attempt_suffix;
    CHECK(without_attempt_suffix("b/bootstrap: SASL authentication error: invalid credentials "
                                 "(after 12ms in state AUTH_REQ, 3 identical error(s) "
                                 "suppressed)") ==
          "b/bootstrap: SASL authentication error: invalid credentials");
    CHECK(without_attempt_suffix("b: SSL handshake failed (after 3ms in state SSL_HANDSHAKE)") ==
          "b: SSL handshake failed");
    CHECK(without_attempt_suffix("no suffix (here)") == "no suffix (here)");
}

TEST_CASE("a rejected Kafka property never shows a secret value") {
    // A password pasted into the wrong variable: librdkafka's message quotes the bad value.
    const std::string secret = "hunter2-not-a-protocol";
    auto check = [&](const std::function<void()>& create) {
        try {
            create();
            FAIL("the client was created with an invalid security.protocol");
        } catch (const etp::Error& e) {
            const std::string what = e.what();
            INFO(what);
            CHECK(what.find("security.protocol") != std::string::npos);
            CHECK(what.find("***") != std::string::npos);
            CHECK(what.find("hunter2") == std::string::npos);
        }
    };
    etp::bus::ProducerConfig producer;
    producer.brokers = "127.0.0.1:9";
    producer.extra = {{"sasl.password", secret}, {"security.protocol", secret}};
    check([&] { etp::bus::Producer p(producer); });

    etp::bus::ConsumerConfig consumer;
    consumer.brokers = "127.0.0.1:9";
    consumer.group_id = "g";
    consumer.topics = {"t"};
    consumer.extra = {{"ssl.key.password", secret}, {"security.protocol", secret}};
    check([&] { etp::bus::Consumer c(consumer); });
}
