#pragma once
// Reads typed fields out of a JSON object while collecting every problem with its JSON
// pointer, so a client learns about all bad fields at once. Used by libs/domain's parsers and
// by the gateway for request bodies that are not a domain object (the preview routes).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "etp/domain/error.hpp"
#include "etp/domain/time.hpp"

namespace etp::detail {

// Deeper documents are refused before parsing: copying and serialising JSON recurse, so depth
// is what bounds the stack, whatever a size limit lets through.
inline constexpr int kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in JSON text, stopping early past `limit`.
// Brackets inside strings do not count.
int nesting_depth(std::string_view text, int limit);

// Escapes a key for use in a JSON pointer (RFC 6901).
std::string pointer_token(std::string_view key);

class JsonReader {
 public:
    // `errors` collects problems; `pointer` locates `object` in the request.
    JsonReader(const nlohmann::json& object, std::string pointer, std::vector<FieldError>& errors);

    bool is_object() const noexcept { return is_object_; }
    bool has(const std::string& key) const;
    const nlohmann::json* raw(const std::string& key);  // marks the key known; nullptr if absent

    std::optional<std::string> string(const std::string& key, bool required, std::size_t min_len,
                                      std::size_t max_len);
    std::optional<bool> boolean(const std::string& key);
    std::optional<std::int64_t> integer(const std::string& key, bool required, std::int64_t min,
                                        std::int64_t max);
    std::optional<Timestamp> timestamp(const std::string& key, bool required);

    // Records a problem at pointer + "/" + key.
    void fail(const std::string& key, std::string message);
    std::string pointer_of(const std::string& key) const;
    // Reports every key that no accessor asked for as unknown.
    void reject_unknown();

 private:
    const nlohmann::json& object_;
    std::string pointer_;
    std::vector<FieldError>& errors_;
    std::set<std::string> known_;
    bool is_object_;
};

}  // namespace etp::detail
