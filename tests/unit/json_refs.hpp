#pragma once
// For the contract tests of the OpenAPI and AsyncAPI documents: every "$ref" in a JSON tree.

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace etp::testing {

// Appends (JSON pointer of the object holding it, the $ref's value) for each "$ref" string
// below `node`; `where` is the pointer of `node` itself.
inline void collect_refs(const nlohmann::json& node, const std::string& where,
                         std::vector<std::pair<std::string, std::string>>& out) {
    if (node.is_object()) {
        for (const auto& [key, value] : node.items()) {
            if (key == "$ref" && value.is_string())
                out.emplace_back(where, value.get<std::string>());
            else
                collect_refs(value, std::string(where).append("/").append(key), out);
        }
    } else if (node.is_array()) {
        for (std::size_t i = 0; i < node.size(); ++i)
            collect_refs(node[i], where + "/" + std::to_string(i), out);
    }
}

}  // namespace etp::testing
