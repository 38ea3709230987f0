#include "etp/testing/service_process.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace etp::testing {
namespace {

std::string temp_path(const std::string& stem) {
    static std::atomic<int> counter{0};
    return "/tmp/etp-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
           stem;
}

std::string basename_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// fork + execve with stdout/stderr redirected to the given files.
pid_t spawn(const std::string& binary, const std::vector<std::string>& args, const Env& overrides,
            const std::string& out_path, const std::string& err_path) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : overrides) env[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{binary};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // A test binary that dies without cleaning up (an abort, SIGKILL) takes its services
        // with it instead of leaving them running. The signal follows the forking thread:
        // services are started from the test's main thread, commands are waited for by theirs.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(125);  // the parent died before prctl
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        int err = out_path == err_path
                      ? out
                      : open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        int devnull = open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || devnull < 0) _exit(126);
        dup2(devnull, 0);
        dup2(out, 1);
        dup2(err, 2);
        // The test process may block signals in its threads; the child starts clean.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execve(binary.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    return pid;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

ServiceProcess::ServiceProcess(std::string binary, Env env, std::vector<std::string> args)
    : binary_(std::move(binary)), env_(std::move(env)), args_(std::move(args)) {
    log_path_ = temp_path(basename_of(binary_) + ".log");
}

ServiceProcess::~ServiceProcess() {
    if (pid_ > 0 && !exit_code_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

void ServiceProcess::start() {
    exit_code_.reset();
    {
        std::ofstream mark(log_path_, std::ios::app);
        mark << "---- start " << binary_ << "\n";
    }
    pid_ = spawn(binary_, args_, env_, log_path_, log_path_);
}

bool ServiceProcess::running() {
    if (pid_ <= 0 || exit_code_) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exit_code_ = decode_status(status);
        return false;
    }
    return true;
}

std::optional<int> ServiceProcess::wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_;
}

bool ServiceProcess::wait_ready(int admin_port, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    httplib::Client client("127.0.0.1", admin_port);
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(5, 0);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return false;
        auto res = client.Get("/readyz");
        if (res && res->status == 200) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

int ServiceProcess::terminate(std::chrono::milliseconds timeout) {
    if (!running()) return exit_code_.value_or(-1);
    ::kill(pid_, SIGTERM);
    if (auto code = wait_exit(timeout)) return *code;
    kill9();
    return exit_code_.value_or(-1);
}

void ServiceProcess::kill9() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = decode_status(status);
}

std::string ServiceProcess::output() const { return read_file(log_path_); }

CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                          const Env& env, std::chrono::milliseconds timeout) {
    std::string out_path = temp_path("out");
    std::string err_path = temp_path("err");
    pid_t pid = spawn(binary, args, env, out_path, err_path);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CommandResult result{decode_status(status), read_file(out_path), read_file(err_path)};
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    return result;
}

}  // namespace etp::testing
