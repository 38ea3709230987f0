#pragma once
// Runs one of the platform's binaries as a child process for e2e and fault tests: environment
// overrides on top of the test's own, output captured to a log file, readiness polled over its
// admin port, and SIGTERM / SIGKILL on demand. Not thread-safe; owned by one test.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace etp::testing {

using Env = std::map<std::string, std::string>;

class ServiceProcess {
 public:
    ServiceProcess(std::string binary, Env env, std::vector<std::string> args = {});
    ~ServiceProcess();  // SIGKILLs a child that is still running
    ServiceProcess(const ServiceProcess&) = delete;
    ServiceProcess& operator=(const ServiceProcess&) = delete;

    void start();
    // Polls GET http://127.0.0.1:<admin_port>/readyz until 200; false on timeout or early exit.
    bool wait_ready(int admin_port, std::chrono::milliseconds timeout);
    // SIGTERM, then waits; SIGKILL when the timeout passes. Returns the exit code (128+signal
    // when killed by a signal).
    int terminate(std::chrono::milliseconds timeout);
    void kill9();
    // The exit code once the process has ended within the timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    bool running();
    pid_t pid() const noexcept { return pid_; }
    std::string output() const;  // everything written to stdout and stderr so far

 private:
    std::string binary_;
    Env env_;
    std::vector<std::string> args_;
    std::string log_path_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

struct CommandResult {
    int exit_code;
    std::string out;
    std::string err;
};

// Runs a command to completion (killed after timeout) with env overrides; captures output.
CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                          const Env& env, std::chrono::milliseconds timeout);

}  // namespace etp::testing
