#pragma once
// What one webhook attempt sends: the event's CloudEvent (or the body the target asks for), signed
// per Standard Webhooks, with the target's own headers, as a request for the net client; and the
// client's settings for webhooks: bounded answers, and an address policy that refuses a host when
// any address it resolves to is loopback or private, unless private targets are allowed (the client
// then connects only to addresses the policy saw). Pure; thread-safe.

#include <cstddef>
#include <string>
#include <vector>

#include "etp/domain/event.hpp"
#include "etp/net/client.hpp"

namespace etp::dispatcher {

struct WebhookRequest {
    const net::Url& url;
    const Target& target;
    const std::vector<std::string>& secrets;
    const std::string& body;
    std::string webhook_id;
    bool is_test = false;
};

inline constexpr std::size_t kKeptResponseBytes = 1024;  // kept for the attempt log
inline constexpr std::size_t kMaxResponseHeaderBytes = 16 * 1024;
inline constexpr std::size_t kMaxResponseBodyBytes = 64 * 1024;  // then the connection drops

// What a webhook of `event` to `target` carries, as target.body says: the logged event's
// CloudEvent, the event alone (its `data`), or the target's template rendered over the event.
// Throws etp::Error when a rendered template exceeds kMaxRenderedBodyBytes.
std::string webhook_body(const Event& event, const Target& target);

// Signed now (webhook-timestamp is the current time). Content-Type is
// application/cloudevents+json for a CloudEvent body, application/json otherwise.
net::ClientRequest make_webhook_request(const WebhookRequest& request);

// Refuses loopback, private and similar addresses (webhook::is_private_address) unless
// `allow_private`, naming ETP_ALLOW_PRIVATE_TARGETS in the reason.
net::AddressPolicy target_address_policy(bool allow_private);

// The client's settings for webhooks; `ca_file` may be empty.
net::ClientOptions webhook_client_options(bool allow_private, std::string ca_file,
                                          std::size_t per_target);

// Text PostgreSQL can store (no NUL bytes).
std::string storable(std::string text);

}  // namespace etp::dispatcher
