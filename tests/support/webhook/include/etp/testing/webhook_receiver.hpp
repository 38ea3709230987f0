#pragma once
// A webhook target for tests: a real HTTP server (cpp-httplib) on 127.0.0.1 and a free port,
// served from its own thread pool. It records every request as it arrives (method, path,
// headers, body, receive time), answers each one as the test scripted for its path (status,
// headers, body, and an optional delay before answering), and lets tests wait until a
// condition over the recorded requests holds.
//
// Thread-safe: requests are recorded and answered on the server's threads while the test reads
// and scripts from its own. Destruction stops the server; delayed answers are cut short.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace etp::testing {

struct ReceivedRequest {
    std::size_t index = 0;          // 1-based, over all requests to this receiver
    std::size_t index_on_path = 0;  // 1-based, over the requests to this path
    std::string method;
    std::string path;                                 // without the query string
    std::multimap<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::chrono::system_clock::time_point received_at;
    std::chrono::steady_clock::time_point received_steady;

    // The first value of a header (name in any case), if the request had it.
    std::optional<std::string> header(std::string_view name) const;
};

struct Reply {
    int status = 200;
    std::map<std::string, std::string> headers;
    std::string body = "ok";
    std::chrono::milliseconds delay{0};  // wait this long before answering
};

// Decides the answer to one request. Runs on a server thread, concurrently with other calls:
// it must be thread-safe (index_on_path makes "fail the first N" easy without state).
using Responder = std::function<Reply(const ReceivedRequest&)>;

class WebhookReceiver {
 public:
    // Binds 127.0.0.1:<free port> and starts serving with `threads` server threads (each open
    // connection holds one). Throws std::runtime_error when it cannot listen within 10 s.
    explicit WebhookReceiver(std::size_t threads = 64);
    ~WebhookReceiver();  // stop()
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    int port() const noexcept { return port_; }
    // "http://127.0.0.1:<port><path>"; `path` starts with '/'.
    std::string url(std::string_view path) const;

    // Scripts the answers for one path (exact match, no query). Paths without a responder get
    // 200 "ok" at once.
    void respond(const std::string& path, Responder responder);

    // Copies of the requests so far, in arrival order: all, or those to one path.
    std::vector<ReceivedRequest> requests() const;
    std::vector<ReceivedRequest> requests(const std::string& path) const;
    std::size_t count() const;
    // The distinct webhook-id header values seen so far (cheap; kept as requests arrive).
    std::set<std::string> webhook_ids() const;
    std::size_t webhook_id_count() const;
    // Requests being answered right now, and the most there ever were at once.
    std::size_t in_flight() const;
    std::size_t max_in_flight() const;

    // Blocks until `condition` holds over the requests so far (evaluated under the receiver's
    // lock: keep it quick, do not call back into the receiver) or `timeout` passes; returns
    // whether it held.
    bool wait_until(const std::function<bool(const std::vector<ReceivedRequest>&)>& condition,
                    std::chrono::milliseconds timeout) const;
    // Waits until `path` got at least `n` requests; returns that path's requests (possibly
    // fewer, on timeout: assert on the size).
    std::vector<ReceivedRequest> wait_for_count(const std::string& path, std::size_t n,
                                                std::chrono::milliseconds timeout) const;

    // Stops listening and cuts delayed answers short. Idempotent; never throws.
    void stop() noexcept;

 private:
    struct Server;  // hides httplib.h

    Reply answer(ReceivedRequest request);

    mutable std::mutex mutex_;  // guards everything below up to server_
    mutable std::condition_variable changed_;
    std::vector<ReceivedRequest> requests_;
    std::map<std::string, std::size_t> per_path_;
    std::map<std::string, Responder> responders_;
    std::set<std::string> webhook_ids_;
    std::size_t in_flight_ = 0;
    std::size_t max_in_flight_ = 0;
    bool stopping_ = false;

    int port_ = 0;
    // Declared last, as their handlers capture `this` (stop() in the destructor ends them first).
    std::unique_ptr<Server> server_;
    std::thread thread_;  // runs the server's accept loop
};

}  // namespace etp::testing
