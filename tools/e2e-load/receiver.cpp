#include "receiver.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace etp::bench {
namespace {

constexpr std::size_t kSlice = 10000;

// data.triggered_at of a webhook body. The dispatcher sends nlohmann's compact dump, whose
// object keys are sorted, so "data" comes first and its "triggered_at" is the first one in
// the text (the bench payload has no such key). Scanning for it costs far less than a full
// parse, which matters at 15,000 webhooks/s on the cores the platform under test is using;
// a body the scan cannot read is parsed in full.
std::optional<SystemTime> triggered_at(const std::string& body) {
    if (auto text = json_string_field(body, "triggered_at")) {
        if (auto t = parse_rfc3339(*text)) return t;
    }
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_object()) return std::nullopt;
    auto data = doc.find("data");
    if (data == doc.end() || !data->is_object()) return std::nullopt;
    auto at = data->find("triggered_at");
    if (at == data->end() || !at->is_string()) return std::nullopt;
    return parse_rfc3339(at->get_ref<const std::string&>());
}

}  // namespace

Receiver::Receiver(std::size_t threads) : threads_(threads) {
    server_.set_tcp_nodelay(true);
    // The dispatcher keeps its connections alive; httplib would close each after 5 requests.
    server_.set_keep_alive_max_count(1000000);
    server_.set_keep_alive_timeout(30);
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
        record(req, std::chrono::system_clock::now());
        res.status = 204;
    });
}

Receiver::~Receiver() { stop(); }

int Receiver::start() {
    int port = server_.bind_to_any_port("127.0.0.1");
    if (port <= 0) throw std::runtime_error("the webhook receiver cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return port;
}

void Receiver::stop() noexcept {
    server_.stop();
    if (thread_.joinable()) thread_.join();
}

void Receiver::record(const httplib::Request& req, SystemTime now) {
    std::string header = req.get_header_value("webhook-id");
    std::optional<Uuid> id = Uuid::parse(header);
    if (!id) {
        // No usable header: the CloudEvent id is the event id too.
        if (auto text = json_string_field(req.body, "id")) id = Uuid::parse(*text);
    }
    std::optional<SystemTime> fired = triggered_at(req.body);
    if (!id || !fired) {
        malformed_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    Arrival arrival{now, std::chrono::duration_cast<Micros>(now - *fired).count()};
    bool first;
    {
        std::lock_guard lock(mutex_);
        first = arrivals_.emplace(*id, arrival).second;
    }
    (first ? unique_ : repeats_).fetch_add(1, std::memory_order_relaxed);
}

void Receiver::drop_arrived(std::vector<Uuid>& pending) const {
    std::vector<Uuid> still;
    for (std::size_t from = 0; from < pending.size(); from += kSlice) {
        std::size_t to = std::min(pending.size(), from + kSlice);
        std::lock_guard lock(mutex_);
        for (std::size_t i = from; i < to; ++i)
            if (!arrivals_.contains(pending[i])) still.push_back(pending[i]);
    }
    pending.swap(still);
}

std::vector<std::optional<Arrival>> Receiver::find(const std::vector<Uuid>& ids) const {
    std::vector<std::optional<Arrival>> out;
    out.reserve(ids.size());
    for (std::size_t from = 0; from < ids.size(); from += kSlice) {
        std::size_t to = std::min(ids.size(), from + kSlice);
        std::lock_guard lock(mutex_);
        for (std::size_t i = from; i < to; ++i) {
            auto it = arrivals_.find(ids[i]);
            out.push_back(it == arrivals_.end() ? std::nullopt : std::optional(it->second));
        }
    }
    return out;
}

void Receiver::forget(const std::vector<Uuid>& ids) {
    for (std::size_t from = 0; from < ids.size(); from += kSlice) {
        std::size_t to = std::min(ids.size(), from + kSlice);
        std::lock_guard lock(mutex_);
        for (std::size_t i = from; i < to; ++i) arrivals_.erase(ids[i]);
    }
}

ReceiverCounts Receiver::counts() const {
    return {unique_.load(), repeats_.load(), malformed_.load()};
}

}  // namespace etp::bench
