#pragma once
// Lets the dev broker listen on chosen ports although librdkafka 2.0.2's mock always binds
// 127.0.0.1:0: the executable interposes bind(), and while a base port is set the i-th IPv4
// bind to port 0 gets base+i instead (with SO_REUSEADDR, so a restarted broker gets its old
// address back at once). Clients can then reconnect to the same address after a restart.
// Linked into the executable only: interposing bind() is no business of a library.

#include <optional>
#include <string>

namespace etp::dev_broker {

// 0 turns the override off. Call before the cluster is created.
void set_base_port(int port) noexcept;

// The first of ports base .. base+count-1 that cannot be bound on 127.0.0.1 the way the
// override binds it, as "127.0.0.1:<port>: <reason>"; nullopt when all can. librdkafka 2.0.2's
// mock crashes when its bind fails, so the broker asks first and exits with this message.
std::optional<std::string> unavailable_port(int base, int count);

}  // namespace etp::dev_broker
