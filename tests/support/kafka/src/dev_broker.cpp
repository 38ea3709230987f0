#include "etp/testing/dev_broker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace etp::testing {
namespace {

constexpr std::chrono::seconds kStartTimeout{10};
constexpr std::chrono::seconds kStopTimeout{10};
constexpr std::chrono::milliseconds kPollInterval{10};

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "stopped";
}

std::filesystem::path make_temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "etp-dev-broker-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
    }
    return pattern;
}

}  // namespace

DevBroker::DevBroker(DevBrokerOptions options) : options_(std::move(options)) {
    dir_ = make_temp_dir();
    const std::string address_file = dir_ / "bootstrap";

    // Everything the child needs is built before fork: after it only async-signal-safe calls.
    std::vector<std::string> args = {ETP_DEV_BROKER_PATH,
                                     "--brokers",
                                     std::to_string(options_.brokers),
                                     "--partitions",
                                     std::to_string(options_.partitions),
                                     "--topic-prefix",
                                     options_.topic_prefix,
                                     "--port",
                                     std::to_string(options_.port),
                                     "--address-file",
                                     address_file};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        // The "bootstrap=" line is for people; tests read the address file.
        const int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) ::dup2(null, STDOUT_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    pid_ = pid;

    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    for (;;) {
        std::ifstream file(address_file);
        if (file && std::getline(file, bootstrap_) && !bootstrap_.empty()) break;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            stop();
            throw std::runtime_error(std::string("etp-dev-broker ") + describe_status(status) +
                                     " before it listened");
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            stop();
            throw std::runtime_error("etp-dev-broker did not write its address within 10 s");
        }
        std::this_thread::sleep_for(kPollInterval);
    }
}

DevBroker::~DevBroker() { stop(); }

void DevBroker::stop() noexcept {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(kPollInterval);
        }
        pid_ = -1;
    }
    if (!dir_.empty()) {
        std::error_code ignored;  // a leftover temp dir is harmless
        std::filesystem::remove_all(dir_, ignored);
        dir_.clear();
    }
}

DevBroker& DevBroker::shared() {
    static DevBroker broker;
    return broker;
}

}  // namespace etp::testing
