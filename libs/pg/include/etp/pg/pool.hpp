#pragma once
// A bounded pool of connections to one database. Thread-safe. Connections are opened lazily,
// handed out as Leases, and dropped (not returned) when broken.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "etp/pg/connection.hpp"

namespace etp::pg {

class Pool {
 public:
    class Lease {
     public:
        Lease(Pool& pool, std::unique_ptr<Connection> conn)
            : pool_(&pool), conn_(std::move(conn)) {}
        ~Lease();
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Connection& operator*() noexcept { return *conn_; }
        Connection* operator->() noexcept { return conn_.get(); }

     private:
        Pool* pool_;
        std::unique_ptr<Connection> conn_;
    };

    // Every connection gets `statement_timeout` (see Connection; zero leaves the server's).
    Pool(std::string url, std::size_t max_size,
         std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(0));
    ~Pool();

    // Waits up to timeout for a free connection (opening one when below max_size).
    // Throws DatabaseError(kUnavailable) on timeout or when the server cannot be reached.
    Lease acquire(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

    // SELECT 1 on a pooled connection: nullopt when the database answers, else the reason.
    std::optional<std::string> check() noexcept;

    const std::string& url() const noexcept { return url_; }

 private:
    void give_back(std::unique_ptr<Connection> conn) noexcept;

    const std::string url_;
    const std::size_t max_size_;
    const std::chrono::milliseconds statement_timeout_;
    std::mutex mutex_;  // guards idle_ and open_count_
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t open_count_ = 0;
};

}  // namespace etp::pg
