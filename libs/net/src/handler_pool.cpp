#include "handler_pool.hpp"

#include "etp/runtime/log.hpp"

namespace etp::net::detail {

HandlerPool::HandlerPool(std::string name, std::size_t threads) : name_(std::move(name)) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

HandlerPool::~HandlerPool() { stop(); }

bool HandlerPool::post(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void HandlerPool::stop() noexcept {
    std::deque<Job> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(queue_);
    }
    wake_.notify_all();
    if (!dropped.empty())
        log::warn("handler jobs dropped at shutdown",
                  {{"server", name_}, {"jobs", static_cast<std::int64_t>(dropped.size())}});
    dropped.clear();  // outside the lock: a job's captures may take it again when destroyed
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

void HandlerPool::work() noexcept {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job();
    }
}

}  // namespace etp::net::detail
