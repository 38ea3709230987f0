#include "apache_kafka.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "etp/bus/topic_admin.hpp"
#include "etp/testing/free_port.hpp"

namespace etp::testing {
namespace {

using namespace std::chrono_literals;

std::string find_java() {
    if (const char* home = std::getenv("JAVA_HOME"); home != nullptr && *home != '\0') {
        const std::filesystem::path java = std::filesystem::path(home) / "bin" / "java";
        if (std::filesystem::exists(java)) return java;
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t colon = dirs.find(':', start);
        const std::filesystem::path java =
            std::filesystem::path(dirs.substr(start, colon - start)) / "java";
        if (std::filesystem::exists(java)) return java;
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    throw std::runtime_error("no java on PATH nor in $JAVA_HOME/bin: Apache Kafka needs one");
}

std::filesystem::path make_temp_dir() {
    std::string pattern = std::filesystem::temp_directory_path() / "etp-kafka-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

std::string tail(const std::string& text, std::size_t chars = 4000) {
    return text.size() <= chars ? text : "..." + text.substr(text.size() - chars);
}

}  // namespace

std::string kafka_libs_dir() {
    const char* from_env = std::getenv("ETP_KAFKA_LIBS");
    const std::string dir =
        from_env != nullptr && *from_env != '\0' ? from_env : ETP_KAFKA_LIBS_DEFAULT;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename();
        if (name.starts_with("kafka_") && name.ends_with(".jar")) return dir;
    }
    throw std::runtime_error("Apache Kafka's jars are not in " + dir +
                             " (no kafka_*.jar): set ETP_KAFKA_LIBS to the directory that "
                             "holds them (libs/ of an Apache Kafka 4.x distribution), or "
                             "configure with -DETP_KAFKA_LIBS=<dir>");
}

ApacheKafka::ApacheKafka(const std::string& libs_dir, std::chrono::milliseconds timeout) {
    const std::string java = find_java();
    const std::string classpath = libs_dir + "/*";
    dir_ = make_temp_dir();
    const int port = free_port();
    int controller_port = free_port();
    while (controller_port == port) controller_port = free_port();
    bootstrap_ = "127.0.0.1:" + std::to_string(port);

    const std::string properties = dir_ / "server.properties";
    {
        std::ofstream out(properties);
        out << "process.roles=broker,controller\n"
            << "node.id=1\n"
            << "controller.quorum.voters=1@127.0.0.1:" << controller_port << "\n"
            << "listeners=PLAINTEXT://127.0.0.1:" << port
            << ",CONTROLLER://127.0.0.1:" << controller_port << "\n"
            << "advertised.listeners=PLAINTEXT://127.0.0.1:" << port << "\n"
            << "controller.listener.names=CONTROLLER\n"
            << "inter.broker.listener.name=PLAINTEXT\n"
            << "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
            << "log.dirs=" << (dir_ / "data").string() << "\n"
            << "num.partitions=1\n"
            << "offsets.topic.replication.factor=1\n"
            << "transaction.state.log.replication.factor=1\n"
            << "transaction.state.log.min.isr=1\n"
            << "group.initial.rebalance.delay.ms=0\n"
            // Nothing may depend on auto-creation: production brokers have it off too.
            << "auto.create.topics.enable=false\n";
    }
    const CommandResult uuid =
        run_command(java, {"-cp", classpath, "kafka.tools.StorageTool", "random-uuid"}, {}, 60s);
    if (uuid.exit_code != 0)
        throw std::runtime_error("kafka StorageTool random-uuid failed: " + uuid.out + uuid.err);
    const CommandResult format = run_command(java,
                                             {"-cp", classpath, "kafka.tools.StorageTool", "format",
                                              "-t", trimmed(uuid.out), "-c", properties},
                                             {}, 60s);
    if (format.exit_code != 0)
        throw std::runtime_error("kafka StorageTool format failed: " + format.out + format.err);

    process_ = std::make_unique<ServiceProcess>(
        java, Env{},
        std::vector<std::string>{"-Xmx512m", "-cp", classpath, "kafka.Kafka", properties});
    process_->start();

    bus::TopicAdmin admin({bootstrap_, "etp-test-kafka-ready", {}});
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last_error = "no answer yet";
    while (std::chrono::steady_clock::now() < deadline) {
        if (!process_->running())
            throw std::runtime_error("apache kafka exited while starting: " +
                                     tail(process_->output()));
        try {
            if (admin.metadata(1s).controller_listed()) return;
            last_error = "no controller yet";
        } catch (const std::exception& e) {
            last_error = e.what();
        }
        std::this_thread::sleep_for(200ms);
    }
    throw std::runtime_error("apache kafka did not answer on " + bootstrap_ + " (" + last_error +
                             "): " + tail(process_->output()));
}

ApacheKafka::~ApacheKafka() {
    if (process_) process_->terminate(30s);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

ApacheKafka& shared_apache_kafka() {
    static std::unique_ptr<ApacheKafka> kafka;
    // A broker that failed to start fails every later test at once, not after its own wait.
    static std::string failure;
    if (!failure.empty()) throw std::runtime_error(failure);
    if (!kafka) {
        try {
            // JVM start and KRaft election take seconds on a loaded two-core machine.
            kafka = std::make_unique<ApacheKafka>(kafka_libs_dir(), 120s);
        } catch (const std::exception& e) {
            failure = e.what();
            throw;
        }
    }
    return *kafka;
}

}  // namespace etp::testing
