#include "etp/domain/json_reader.hpp"

#include <algorithm>

namespace etp::detail {

int nesting_depth(std::string_view text, int limit) {
    int depth = 0;
    int deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > limit) break;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

std::string pointer_token(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out.push_back(c);
    }
    return out;
}

JsonReader::JsonReader(const nlohmann::json& object, std::string pointer,
                       std::vector<FieldError>& errors)
    : object_(object),
      pointer_(std::move(pointer)),
      errors_(errors),
      is_object_(object.is_object()) {
    if (!is_object_) errors_.push_back({pointer_, "must be a JSON object"});
}

std::string JsonReader::pointer_of(const std::string& key) const {
    return pointer_ + "/" + pointer_token(key);
}

void JsonReader::fail(const std::string& key, std::string message) {
    errors_.push_back({pointer_of(key), std::move(message)});
}

bool JsonReader::has(const std::string& key) const {
    return is_object_ && object_.contains(key) && !object_.at(key).is_null();
}

const nlohmann::json* JsonReader::raw(const std::string& key) {
    known_.insert(key);
    if (!is_object_) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
}

std::optional<std::string> JsonReader::string(const std::string& key, bool required,
                                              std::size_t min_len, std::size_t max_len) {
    const nlohmann::json* v = raw(key);
    if (v == nullptr) {
        if (required && is_object_) fail(key, "is required");
        return std::nullopt;
    }
    if (!v->is_string()) {
        fail(key, "must be a string");
        return std::nullopt;
    }
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() < min_len || s.size() > max_len) {
        fail(key, "must be " + std::to_string(min_len) + " to " + std::to_string(max_len) +
                      " characters long");
        return std::nullopt;
    }
    return s;
}

std::optional<bool> JsonReader::boolean(const std::string& key) {
    const nlohmann::json* v = raw(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_boolean()) {
        fail(key, "must be true or false");
        return std::nullopt;
    }
    return v->get<bool>();
}

std::optional<std::int64_t> JsonReader::integer(const std::string& key, bool required,
                                                std::int64_t min, std::int64_t max) {
    const nlohmann::json* v = raw(key);
    if (v == nullptr) {
        if (required && is_object_) fail(key, "is required");
        return std::nullopt;
    }
    std::optional<std::int64_t> n;
    if (v->is_number_integer()) {
        if (v->is_number_unsigned() &&
            v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
            n = std::nullopt;
        } else {
            n = v->get<std::int64_t>();
        }
    } else if (v->is_number_float()) {
        double d = v->get<double>();
        // Range first: casting a double outside int64's range is undefined behaviour.
        if (d > -9e18 && d < 9e18 && d == static_cast<double>(static_cast<std::int64_t>(d)))
            n = static_cast<std::int64_t>(d);
    }
    if (!n || *n < min || *n > max) {
        fail(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
        return std::nullopt;
    }
    return n;
}

std::optional<Timestamp> JsonReader::timestamp(const std::string& key, bool required) {
    const nlohmann::json* v = raw(key);
    if (v == nullptr) {
        if (required && is_object_) fail(key, "is required");
        return std::nullopt;
    }
    if (v->is_string()) {
        if (auto t = parse_rfc3339(v->get_ref<const std::string&>())) return t;
    }
    fail(key, "must be an RFC 3339 timestamp such as 2026-01-31T09:00:00Z");
    return std::nullopt;
}

void JsonReader::reject_unknown() {
    if (!is_object_) return;
    for (const auto& [key, value] : object_.items()) {
        if (!known_.contains(key)) fail(key, "unknown field");
    }
}

}  // namespace etp::detail
