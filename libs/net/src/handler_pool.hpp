#pragma once
// The threads that run handlers which may block (libpq), so that I/O threads never do. A fixed
// number of threads and a queue of jobs; the queue holds at most one job per open connection
// (a connection reads its next request only after answering), so max_connections bounds it.
// Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace etp::net::detail {

class HandlerPool {
 public:
    using Job = std::function<void()>;  // must not throw

    HandlerPool(std::string name, std::size_t threads);
    ~HandlerPool();  // stop()
    HandlerPool(const HandlerPool&) = delete;
    HandlerPool& operator=(const HandlerPool&) = delete;

    // False after stop(): the job is dropped.
    bool post(Job job);
    // Drops the queued jobs, waits for the running ones. Idempotent.
    void stop() noexcept;

 private:
    void work() noexcept;

    const std::string name_;
    std::mutex mutex_;  // guards queue_ and stopping_
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;  // declared last: joined before the queue goes
};

}  // namespace etp::net::detail
