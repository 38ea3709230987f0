#pragma once
// Lets the dev broker listen on chosen ports although librdkafka 2.0.2's mock always binds
// 127.0.0.1:0: the executable interposes bind(), and while a base port is set the i-th IPv4
// bind to port 0 gets base+i instead (with SO_REUSEADDR, so a restarted broker gets its old
// address back at once). Clients can then reconnect to the same address after a restart.
// Linked into the executable only: interposing bind() is no business of a library.

namespace etp::dev_broker {

// 0 turns the override off. Call before the cluster is created.
void set_base_port(int port) noexcept;

}  // namespace etp::dev_broker
