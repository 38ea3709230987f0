#include "webhook_sender.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "etp/bus/event_message.hpp"
#include "etp/domain/delivery_policy.hpp"
#include "etp/domain/webhook_signature.hpp"
#include "etp/net/message.hpp"

namespace etp::dispatcher {
namespace {

// Headers the platform sets itself; a target's custom headers cannot replace them.
bool reserved_header(std::string_view name) {
    const std::string n = net::ascii_lower(name);
    return n == "content-type" || n == "content-length" || n == "host" || n == "webhook-id" ||
           n == "webhook-timestamp" || n == "webhook-signature" || n == "etp-test" ||
           n == "transfer-encoding" || n == "connection";
}

}  // namespace

std::string webhook_body(const Event& event, const Target& target) {
    switch (target.body.format) {
        case BodyFormat::kCloudEvent:
            return bus::serialize_logged_event(event);
        case BodyFormat::kData:
            return to_json(event).dump();
        case BodyFormat::kTemplate:
            return render_webhook_body(target.body.template_json, to_json(event));
    }
    return bus::serialize_logged_event(event);
}

net::ClientRequest make_webhook_request(const WebhookRequest& request) {
    net::ClientRequest req;
    req.method = request.target.method;
    req.url = request.url;
    req.timeout = std::chrono::milliseconds(request.target.timeout_ms);
    for (const auto& [name, value] : request.target.headers)
        if (!reserved_header(name)) req.headers.emplace_back(name, value);
    auto timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    req.headers.emplace_back("Content-Type", request.target.body.format == BodyFormat::kCloudEvent
                                                 ? "application/cloudevents+json"
                                                 : "application/json");
    req.headers.emplace_back("User-Agent", "etp-dispatcher/1");
    req.headers.emplace_back("webhook-id", request.webhook_id);
    req.headers.emplace_back("webhook-timestamp", std::to_string(timestamp));
    if (!request.secrets.empty())
        req.headers.emplace_back("webhook-signature",
                                 webhook::signature_header(request.secrets, request.webhook_id,
                                                           timestamp, request.body));
    if (request.is_test) req.headers.emplace_back("etp-test", "true");
    req.body = request.body;
    return req;
}

net::AddressPolicy target_address_policy(bool allow_private) {
    if (allow_private) return {};
    return [](const std::string& host, const std::string& address) -> std::optional<std::string> {
        if (!webhook::is_private_address(address)) return std::nullopt;
        return host + " resolves to a loopback or private address (" + address +
               "); set ETP_ALLOW_PRIVATE_TARGETS=1 to allow it";
    };
}

net::ClientOptions webhook_client_options(bool allow_private, std::string ca_file,
                                          std::size_t per_target) {
    net::ClientOptions options;
    options.ca_file = std::move(ca_file);
    options.address_policy = target_address_policy(allow_private);
    options.max_header_bytes = kMaxResponseHeaderBytes;
    options.max_body_bytes = kMaxResponseBodyBytes;
    options.kept_body_bytes = kKeptResponseBytes;
    options.max_idle_per_origin = per_target;
    return options;
}

std::string storable(std::string text) {
    text.erase(std::remove(text.begin(), text.end(), '\0'), text.end());
    return text;
}

}  // namespace etp::dispatcher
