#include "etp/testing/pg_cluster.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "etp/testing/free_port.hpp"

extern char** environ;

namespace etp::testing {
namespace {

const std::string kBinDir = "/usr/lib/postgresql/15/bin/";
const std::string kRunuser = "/usr/sbin/runuser";

// The server binaries refuse to run as root.
bool running_as_root() { return ::geteuid() == 0; }

std::vector<std::string> as_postgres(std::vector<std::string> argv) {
    if (running_as_root()) argv.insert(argv.begin(), {kRunuser, "-u", "postgres", "--"});
    return argv;
}

std::string errno_text(const std::string& what, int err) {
    return what + ": " + std::strerror(err);
}

// The last `lines` lines of a file ("" when it cannot be read).
std::string tail(const std::string& path, std::size_t lines = 30) {
    std::ifstream in(path);
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
        last.push_back(line);
        if (last.size() > lines) last.pop_front();
    }
    std::string text;
    for (const auto& line : last) text += line + "\n";
    return text;
}

// RAII for posix_spawn_file_actions_t.
class FileActions {
 public:
    FileActions() { posix_spawn_file_actions_init(&actions_); }
    ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &actions_; }

 private:
    posix_spawn_file_actions_t actions_;
};

pid_t spawn(const std::vector<std::string>& argv, FileActions& actions,
            const posix_spawnattr_t* attr = nullptr) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, args[0], actions.get(), attr, args.data(), environ);
    if (rc != 0) throw std::runtime_error(errno_text("posix_spawn " + argv[0], rc));
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error(errno_text("waitpid", errno));
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

// Runs argv (no shell) in cwd with stdin from /dev/null and stdout+stderr appended to output;
// returns its exit code.
int run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& output) {
    FileActions actions;
    posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(actions.get(), 1, output.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(actions.get(), 1, 2);
    // initdb and pg_ctl look up the current directory; the test's may be closed to postgres.
    posix_spawn_file_actions_addchdir_np(actions.get(), cwd.c_str());
    return wait_exit(spawn(argv, actions));
}

// The settings the platform needs, the ones scripts/run gives its cluster (a copy: the postgres
// user may not reach the repository).
void append_server_settings(const std::string& conf_path) {
    std::ifstream in(ETP_PG_SERVER_CONF);
    if (!in) throw std::runtime_error(std::string("cannot read ") + ETP_PG_SERVER_CONF);
    std::ofstream out(conf_path, std::ios::app);
    out << "\n# " << ETP_PG_SERVER_CONF << "\n" << in.rdbuf();
    if (!out) throw std::runtime_error("cannot append to " + conf_path);
}

}  // namespace

PgCluster::PgCluster() {
    char tmpl[] = "/tmp/etp-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error(errno_text("mkdtemp", errno));
    dir_ = tmpl;
    data_dir_ = dir_ + "/data";
    try {
        if (running_as_root()) {
            const passwd* pw = ::getpwnam("postgres");
            if (pw == nullptr) throw std::runtime_error("running as root, but no user postgres");
            if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
                throw std::runtime_error(errno_text("chown " + dir_, errno));
            }
        }
        spawn_watchdog();
        const int rc = run(as_postgres({kBinDir + "initdb", "-D", data_dir_, "--auth=trust", "-U",
                                        "postgres", "--encoding=UTF8", "--locale=C", "--no-sync"}),
                           dir_, dir_ + "/commands.log");
        if (rc != 0) {
            throw std::runtime_error("initdb failed (exit " + std::to_string(rc) + "):\n" +
                                     tail(dir_ + "/commands.log"));
        }
        append_server_settings(data_dir_ + "/postgresql.conf");
        // free_port() races with other processes: try a few ports before giving up.
        for (int attempt = 1;; ++attempt) {
            port_ = free_port();
            try {
                start();
                break;
            } catch (const std::runtime_error&) {
                if (attempt == 3) throw;
            }
        }
        create_database("etp");
    } catch (...) {
        cleanup();
        throw;
    }
}

PgCluster::~PgCluster() { cleanup(); }

void PgCluster::cleanup() noexcept {
    stop();
    if (!running_ && std::filesystem::exists(data_dir_ + "/postmaster.pid")) {
        // A start that failed (timed out) may have left a server behind.
        try {
            run(as_postgres({kBinDir + "pg_ctl", "stop", "-D", data_dir_, "-m", "immediate"}), dir_,
                dir_ + "/commands.log");
        } catch (const std::exception& e) {
            std::fprintf(stderr, "pg_ctl stop failed: %s\n", e.what());
        }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    if (watchdog_pipe_ >= 0) {
        const char done[] = "done\n";
        if (::send(watchdog_pipe_, done, sizeof(done) - 1, MSG_NOSIGNAL) < 0) {
            std::perror("pg cluster watchdog");  // it will find nothing left to clean
        }
        ::close(watchdog_pipe_);
        watchdog_pipe_ = -1;
        int status = 0;
        while (::waitpid(watchdog_pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

// A shell in its own session (so a Ctrl-C to the test's process group does not reach it)
// reads a socket whose other end only this process holds. cleanup() writes a line: all is done.
// EOF without a line means the test process died (the kernel closed its end): the watchdog
// then stops the server, twice, because a pg_ctl start or initdb cut off mid-way keeps running
// as an orphan for a moment, and removes the directory. The script is constant; paths travel
// as arguments.
void PgCluster::spawn_watchdog() {
    int fds[2];
    // A socket rather than a pipe: send() with MSG_NOSIGNAL cannot kill us with SIGPIPE.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        throw std::runtime_error(errno_text("socketpair", errno));
    }
    const std::string script =
        "dir=$1; shift; if read -r _; then exit 0; fi; "
        "\"$@\"; sleep 2; \"$@\"; rm -rf -- \"$dir\"";
    std::vector<std::string> argv = {"/bin/sh", "-c", script, "etp-pg-watchdog", dir_};
    for (auto& a : as_postgres({kBinDir + "pg_ctl", "stop", "-D", data_dir_, "-m", "immediate"})) {
        argv.push_back(std::move(a));
    }
    FileActions actions;
    posix_spawn_file_actions_adddup2(actions.get(), fds[0], 0);
    posix_spawn_file_actions_addopen(actions.get(), 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(actions.get(), 1, 2);
    posix_spawn_file_actions_addchdir_np(actions.get(), "/");
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    try {
        watchdog_pid_ = spawn(argv, actions, &attr);
    } catch (...) {
        posix_spawnattr_destroy(&attr);
        ::close(fds[0]);
        ::close(fds[1]);
        throw;
    }
    posix_spawnattr_destroy(&attr);
    ::close(fds[0]);
    watchdog_pipe_ = fds[1];
}

std::string PgCluster::url(std::string_view db) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(db);
}

std::string PgCluster::log_path() const { return dir_ + "/server.log"; }

void PgCluster::start() {
    if (running_) return;
    const std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                                " -c listen_addresses=127.0.0.1"
                                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    const int rc = run(as_postgres({kBinDir + "pg_ctl", "start", "-w", "-t", "60", "-D", data_dir_,
                                    "-l", log_path(), "-o", options}),
                       dir_, dir_ + "/commands.log");
    if (rc != 0) {
        throw std::runtime_error("pg_ctl start failed (exit " + std::to_string(rc) +
                                 "); server log:\n" + tail(log_path()) + "commands:\n" +
                                 tail(dir_ + "/commands.log", 10));
    }
    running_ = true;
}

void PgCluster::stop() noexcept {
    if (!running_) return;
    running_ = false;
    try {
        const int rc = run(as_postgres({kBinDir + "pg_ctl", "stop", "-w", "-t", "60", "-D",
                                        data_dir_, "-m", "fast"}),
                           dir_, dir_ + "/commands.log");
        if (rc != 0) {
            std::fprintf(stderr, "pg_ctl stop failed (exit %d):\n%s", rc,
                         tail(dir_ + "/commands.log", 10).c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pg_ctl stop failed: %s\n", e.what());
    }
}

void PgCluster::create_database(const std::string& name) {
    const int rc = run({kBinDir + "createdb", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U",
                        "postgres", "--", name},
                       dir_, dir_ + "/commands.log");
    if (rc != 0) {
        throw std::runtime_error("createdb " + name + " failed (exit " + std::to_string(rc) +
                                 "):\n" + tail(dir_ + "/commands.log", 10) + "server log:\n" +
                                 tail(log_path(), 10));
    }
}

PgCluster& PgCluster::shared() {
    static PgCluster cluster;  // destroyed (stopped, removed) at process exit
    return cluster;
}

}  // namespace etp::testing
