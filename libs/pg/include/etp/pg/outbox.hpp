#pragma once
// The Kafka outbox (table kafka_outbox): messages written in the transaction that decided them
// and published after it commits, by whoever runs a publisher. Stateless; callers pass the
// connection. Publishing is at least once: a publisher that dies after sending and before
// deleting leaves the message to be sent again, so messages carry ids consumers can drop
// repeats by.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "etp/pg/connection.hpp"

namespace etp::pg {

struct OutboxMessage {
    std::string topic;
    std::string key;
    std::optional<std::string> value;
    std::vector<std::pair<std::string, std::string>> headers;
};

struct OutboxEntry {
    std::int64_t id = 0;
    OutboxMessage message;
};

class Outbox {
 public:
    // Adds messages, in the caller's transaction when one is open.
    static void add(Connection& conn, const std::vector<OutboxMessage>& messages);
    // The oldest `limit` messages no other publisher holds, locked until the caller's
    // transaction ends (FOR UPDATE SKIP LOCKED). Call inside a Transaction.
    static std::vector<OutboxEntry> lock_oldest(Connection& conn, std::size_t limit);
    // Deletes published messages.
    static void remove(Connection& conn, const std::vector<std::int64_t>& ids);
    // Messages waiting to be published.
    static std::int64_t size(Connection& conn);
};

}  // namespace etp::pg
