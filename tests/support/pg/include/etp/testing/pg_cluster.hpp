#pragma once
// A throwaway PostgreSQL 15 server for tests: its own temporary directory under /tmp, its own
// port on 127.0.0.1, trust authentication for user postgres, fsync off, wal_level=logical.
// Runs the server binaries as user postgres when the test runs as root. A watchdog process
// stops the server and removes the directory if the test process dies without cleaning up.
//
// Not thread-safe: start/stop/create_database from one thread at a time. url() and port()
// may be read from any thread.

#include <sys/types.h>
#include <string>
#include <string_view>

namespace etp::testing {

class PgCluster {
 public:
    // initdb, start, and create database "etp". Blocks for about a second or two. Throws
    // std::runtime_error with the tail of the server log when anything fails.
    PgCluster();
    // Stops the server and removes the directory; never throws.
    ~PgCluster();
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;

    // "postgresql://postgres@127.0.0.1:PORT/db"
    std::string url(std::string_view db = "etp") const;
    int port() const noexcept { return port_; }
    const std::string& dir() const noexcept { return dir_; }
    std::string log_path() const;

    void create_database(const std::string& name);

    // Starts the server again on the same data directory and port (fault tests). No-op when
    // running. Throws std::runtime_error.
    void start();
    // pg_ctl stop -m fast; idempotent; never throws (failures are printed to stderr).
    void stop() noexcept;
    bool running() const noexcept { return running_; }

    // One cluster per test process, created on first use, stopped at process exit.
    static PgCluster& shared();

 private:
    void spawn_watchdog();
    void cleanup() noexcept;

    std::string dir_;       // mkdtemp under /tmp; holds data/, the socket and the logs
    std::string data_dir_;  // dir_/data
    int port_ = 0;
    bool running_ = false;
    int watchdog_pipe_ = -1;  // our end of a socket pair; EOF makes the watchdog clean up
    pid_t watchdog_pid_ = -1;
};

}  // namespace etp::testing
