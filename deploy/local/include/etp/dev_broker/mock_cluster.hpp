#pragma once
// The development broker: librdkafka's mock cluster (the real Kafka protocol on real sockets)
// with the platform's topics created up front, since the mock implements no CreateTopics.
// Everything lives in memory and is lost when the process ends. Not thread-safe; construct and
// destroy on one thread.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace etp::dev_broker {

struct Options {
    int brokers = 1;
    // The mock keeps at most 5 MiB per partition and drops older data silently: more
    // partitions hold more unconsumed data.
    int partitions = 16;
    std::string topic_prefix = "etp.";
    int port = 0;  // first broker's port; 0 = any free port
    std::string address_file;
};

// Parses the command line ("--brokers N --partitions P --topic-prefix S --port N
// --address-file PATH"). Throws etp::ValidationError listing every bad argument; the pointer
// names the option ("--brokers").
Options parse_options(const std::vector<std::string>& args);
std::string usage();

class MockCluster {
 public:
    // Starts the brokers (listening before this returns) and creates the topics. Throws
    // etp::Error(kInternal).
    explicit MockCluster(const Options& options);
    ~MockCluster();
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    // "127.0.0.1:port[,127.0.0.1:port...]"
    const std::string& bootstrap() const { return bootstrap_; }

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string bootstrap_;
};

// Which mock cluster this executable was built with: "patched" (librdkafka 2.0.2's source with
// third_party/librdkafka/ applied) or "stock" (Debian's shared librdkafka, when the build found no
// source tarball).
std::string_view mock_build();

// Writes `text` to `path` through a temporary file in the same directory and a rename, so a
// reader never sees a partial file. Throws etp::Error(kInternal).
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace etp::dev_broker
