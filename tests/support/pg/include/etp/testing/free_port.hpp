#pragma once
// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed). Another
// process may take it before the caller binds it; callers that can, retry with a new one.

namespace etp::testing {

// Throws std::runtime_error when no socket can be bound.
int free_port();

}  // namespace etp::testing
