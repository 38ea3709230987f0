#include "etp/testing/webhook_receiver.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace etp::testing {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

constexpr std::chrono::seconds kStartTimeout{10};

}  // namespace

std::optional<std::string> ReceivedRequest::header(std::string_view name) const {
    auto it = headers.find(lower(name));
    if (it == headers.end()) return std::nullopt;
    return it->second;
}

struct WebhookReceiver::Server {
    httplib::Server http;
};

WebhookReceiver::WebhookReceiver(std::size_t threads) : server_(std::make_unique<Server>()) {
    auto& http = server_->http;
    // Every open connection holds a server thread; a dispatcher opens several per target.
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http.set_keep_alive_max_count(1000);
    http.set_payload_max_length(16 * 1024 * 1024);
    const httplib::Server::Handler handler = [this](const httplib::Request& req,
                                                    httplib::Response& res) {
        ReceivedRequest request;
        request.method = req.method;
        request.path = req.path;
        for (const auto& [name, value] : req.headers) request.headers.emplace(lower(name), value);
        request.body = req.body;
        const Reply reply = answer(std::move(request));
        res.status = reply.status;
        std::string content_type = "text/plain";
        for (const auto& [name, value] : reply.headers) {
            if (lower(name) == "content-type")
                content_type = value;
            else
                res.set_header(name, value);
        }
        res.set_content(reply.body, content_type.c_str());
    };
    const std::string any = R"(/.*)";
    http.Get(any, handler);
    http.Post(any, handler);
    http.Put(any, handler);
    http.Patch(any, handler);
    http.Delete(any, handler);

    port_ = http.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("webhook receiver: cannot bind 127.0.0.1:0");
    thread_ = std::thread([this] { server_->http.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (!http.is_running()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            stop();
            throw std::runtime_error("webhook receiver: not listening after 10 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

WebhookReceiver::~WebhookReceiver() { stop(); }

void WebhookReceiver::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();  // cuts delayed answers short
    if (server_) server_->http.stop();
    if (thread_.joinable()) thread_.join();
}

std::string WebhookReceiver::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void WebhookReceiver::respond(const std::string& path, Responder responder) {
    std::lock_guard lock(mutex_);
    responders_[path] = std::move(responder);
}

Reply WebhookReceiver::answer(ReceivedRequest request) {
    Responder responder;
    {
        std::lock_guard lock(mutex_);
        request.received_at = std::chrono::system_clock::now();
        request.received_steady = std::chrono::steady_clock::now();
        request.index = requests_.size() + 1;
        request.index_on_path = ++per_path_[request.path];
        if (auto id = request.header("webhook-id")) webhook_ids_.insert(*id);
        if (auto it = responders_.find(request.path); it != responders_.end())
            responder = it->second;
        max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
        requests_.push_back(request);
    }
    changed_.notify_all();

    Reply reply;
    if (responder) reply = responder(request);
    std::unique_lock lock(mutex_);
    if (reply.delay.count() > 0) changed_.wait_for(lock, reply.delay, [this] { return stopping_; });
    --in_flight_;
    return reply;
}

std::vector<ReceivedRequest> WebhookReceiver::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::vector<ReceivedRequest> WebhookReceiver::requests(const std::string& path) const {
    std::lock_guard lock(mutex_);
    std::vector<ReceivedRequest> out;
    for (const auto& r : requests_)
        if (r.path == path) out.push_back(r);
    return out;
}

std::size_t WebhookReceiver::count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
}

std::set<std::string> WebhookReceiver::webhook_ids() const {
    std::lock_guard lock(mutex_);
    return webhook_ids_;
}

std::size_t WebhookReceiver::webhook_id_count() const {
    std::lock_guard lock(mutex_);
    return webhook_ids_.size();
}

std::size_t WebhookReceiver::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
}

std::size_t WebhookReceiver::max_in_flight() const {
    std::lock_guard lock(mutex_);
    return max_in_flight_;
}

bool WebhookReceiver::wait_until(
    const std::function<bool(const std::vector<ReceivedRequest>&)>& condition,
    std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return condition(requests_); });
}

std::vector<ReceivedRequest> WebhookReceiver::wait_for_count(
    const std::string& path, std::size_t n, std::chrono::milliseconds timeout) const {
    {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [&] {
            auto it = per_path_.find(path);
            return it != per_path_.end() && it->second >= n;
        });
    }
    return requests(path);
}

}  // namespace etp::testing
