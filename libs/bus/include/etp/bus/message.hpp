#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace etp::bus {

struct Header {
    std::string key;
    std::string value;
};

struct OutgoingMessage {
    std::string topic;
    std::string key;
    std::optional<std::string> value;  // nullopt: a tombstone (compacted topics)
    std::vector<Header> headers;
    // Produce without a key (a null key, not an empty one; `key` is ignored): the partitioner
    // spreads such messages.
    bool null_key = false;
};

struct Message {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::optional<std::string> key;
    std::optional<std::string> value;  // nullopt: a tombstone
    std::vector<Header> headers;
    std::int64_t timestamp_ms = 0;

    std::optional<std::string> header(const std::string& name) const {
        for (const auto& h : headers)
            if (h.key == name) return h.value;
        return std::nullopt;
    }
};

}  // namespace etp::bus
