#include "etp/domain/webhook_body.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

#include "etp/domain/json_reader.hpp"

namespace etp {
namespace {

using nlohmann::json;

constexpr std::string_view kPaths =
    "id, trigger.id, trigger.name, trigger.type, source, is_test, triggered_at, scheduled_for, "
    "logged_at, payload, payload.<field>...";

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = path.find('.', start);
        parts.push_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

// Why a placeholder path cannot be rendered; nullopt when it can.
std::optional<std::string> path_problem(std::string_view path) {
    static constexpr std::array<std::string_view, 6> kScalars = {
        "id", "source", "is_test", "triggered_at", "scheduled_for", "logged_at"};
    auto parts = split_path(path);
    if (std::any_of(parts.begin(), parts.end(), [](auto p) { return p.empty(); }))
        return "has an empty path segment in {{" + std::string(path) + "}}";
    const std::string_view root = parts.front();
    bool ok = false;
    if (std::find(kScalars.begin(), kScalars.end(), root) != kScalars.end())
        ok = parts.size() == 1;
    else if (root == "trigger")
        ok = parts.size() == 2 && (parts[1] == "id" || parts[1] == "name" || parts[1] == "type");
    else if (root == "payload")
        ok = true;
    if (ok) return std::nullopt;
    return "has an unknown placeholder {{" + std::string(path) + "}}; paths are " +
           std::string(kPaths);
}

// Calls `on_text` and `on_placeholder` for the pieces of `s` in order; false (after noting the
// problem in `problem`) when a "{{" is not closed.
template <typename Text, typename Placeholder>
bool scan(std::string_view s, Text on_text, Placeholder on_placeholder, std::string* problem) {
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t open = s.find("{{", pos);
        if (open == std::string_view::npos) break;
        std::size_t close = s.find("}}", open + 2);
        if (close == std::string_view::npos) {
            if (problem) *problem = "has a {{ without a closing }}";
            return false;
        }
        on_text(s.substr(pos, open - pos));
        on_placeholder(trim(s.substr(open + 2, close - open - 2)));
        pos = close + 2;
    }
    on_text(s.substr(pos));
    return true;
}

void check_template(const json& node, const std::string& pointer, std::vector<FieldError>& errors) {
    if (node.is_object()) {
        for (const auto& [key, value] : node.items())
            check_template(value, pointer + "/" + detail::pointer_token(key), errors);
    } else if (node.is_array()) {
        for (std::size_t i = 0; i < node.size(); ++i)
            check_template(node[i], pointer + "/" + std::to_string(i), errors);
    } else if (node.is_string()) {
        std::string problem;
        bool first = true;
        scan(
            node.get_ref<const std::string&>(), [](std::string_view) {},
            [&](std::string_view path) {
                if (!first) return;  // one message per string is enough
                if (auto p = path_problem(path)) {
                    errors.push_back({pointer, *p});
                    first = false;
                }
            },
            &problem);
        if (!problem.empty()) errors.push_back({pointer, problem});
    }
}

const json* lookup(const json& event, std::string_view path) {
    const json* at = &event;
    for (std::string_view part : split_path(path)) {
        if (at->is_object()) {
            auto it = at->find(std::string(part));
            if (it == at->end()) return nullptr;
            at = &*it;
        } else if (at->is_array()) {
            std::size_t index = 0;
            auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
            if (ec != std::errc{} || end != part.data() + part.size() || index >= at->size())
                return nullptr;
            at = &(*at)[index];
        } else {
            return nullptr;
        }
    }
    return at;
}

struct Renderer {
    const json& event;
    std::size_t budget = kMaxRenderedBodyBytes;

    void spend(std::size_t bytes) {
        if (bytes > budget)
            throw Error(ErrorKind::kInvalidInput, "the rendered body template exceeds " +
                                                      std::to_string(kMaxRenderedBodyBytes) +
                                                      " bytes");
        budget -= bytes;
    }

    json render(const json& node) {
        if (node.is_object()) {
            json out = json::object();
            for (const auto& [key, value] : node.items()) {
                spend(key.size() + 4);
                out[key] = render(value);
            }
            return out;
        }
        if (node.is_array()) {
            json out = json::array();
            for (const auto& value : node) out.push_back(render(value));
            return out;
        }
        if (!node.is_string()) {
            spend(node.dump().size());
            return node;
        }
        std::string_view s = node.get_ref<const std::string&>();
        // Exactly one placeholder: the value as it is.
        if (s.size() >= 4 && s.starts_with("{{") && s.ends_with("}}") &&
            s.find("{{", 2) == std::string_view::npos && s.find("}}") == s.size() - 2) {
            const json* value = lookup(event, trim(s.substr(2, s.size() - 4)));
            json out = value ? *value : json(nullptr);
            spend(out.dump().size());
            return out;
        }
        std::string text;
        scan(
            s,
            [&](std::string_view piece) {
                spend(piece.size());
                text.append(piece);
            },
            [&](std::string_view path) {
                const json* value = lookup(event, path);
                std::string piece;
                if (value && value->is_string())
                    piece = value->get<std::string>();
                else if (value && !value->is_null())
                    piece = value->dump();
                spend(piece.size());
                text += piece;
            },
            nullptr);
        return text;
    }
};

}  // namespace

std::optional<WebhookBody> parse_webhook_body(const json& node, const std::string& pointer,
                                              std::vector<FieldError>& errors) {
    if (node.is_string() && node == "cloudevent") return WebhookBody{};
    if (node.is_string() && node == "data") return WebhookBody{BodyFormat::kData, nullptr};
    if (!node.is_object()) {
        errors.push_back({pointer, "must be \"cloudevent\", \"data\" or a JSON object template"});
        return std::nullopt;
    }
    if (node.dump().size() > kMaxBodyTemplateBytes) {
        errors.push_back({pointer, "must be at most " + std::to_string(kMaxBodyTemplateBytes) +
                                       " bytes as compact JSON"});
        return std::nullopt;
    }
    std::size_t before = errors.size();
    check_template(node, pointer, errors);
    if (errors.size() != before) return std::nullopt;
    return WebhookBody{BodyFormat::kTemplate, node};
}

json webhook_body_to_json(const WebhookBody& body) {
    switch (body.format) {
        case BodyFormat::kCloudEvent:
            return "cloudevent";
        case BodyFormat::kData:
            return "data";
        case BodyFormat::kTemplate:
            return body.template_json;
    }
    return "cloudevent";
}

std::string render_webhook_body(const json& template_json, const json& event) {
    Renderer renderer{event};
    std::string out = renderer.render(template_json).dump();
    if (out.size() > kMaxRenderedBodyBytes)
        throw Error(ErrorKind::kInvalidInput, "the rendered body template exceeds " +
                                                  std::to_string(kMaxRenderedBodyBytes) + " bytes");
    return out;
}

}  // namespace etp
