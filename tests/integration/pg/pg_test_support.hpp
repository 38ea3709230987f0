#pragma once
// Helpers shared by the libs/pg integration tests.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "etp/pg/connection.hpp"
#include "etp/testing/pg_cluster.hpp"

namespace etp::pg::test {

// A new, empty database in the shared cluster, named prefix_N; returns its URL.
inline std::string fresh_database(const std::string& prefix) {
    static std::atomic<int> counter{0};
    const std::string name = prefix + "_" + std::to_string(++counter);
    auto& cluster = etp::testing::PgCluster::shared();
    cluster.create_database(name);
    return cluster.url(name);
}

inline std::int64_t backend_pid(Connection& conn) {
    return conn.exec("SELECT pg_backend_pid()").integer(0, 0);
}

// Terminates a server backend and waits (bounded) until its process has exited, so that its
// socket is closed too: the backend leaves pg_stat_activity before it closes the socket.
// The server runs on this machine, so /proc shows its processes.
inline void kill_backend(std::int64_t pid) {
    Connection admin(etp::testing::PgCluster::shared().url());
    const std::string p = std::to_string(pid);
    if (!admin.exec("SELECT pg_terminate_backend($1::int)", {p}).boolean(0, 0)) {
        throw std::runtime_error("pg_terminate_backend found no backend " + p);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::filesystem::exists("/proc/" + p)) {
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("backend " + p + " still alive 10 s after termination");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace etp::pg::test
