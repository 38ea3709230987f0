#include "client_settings.hpp"

#include <system_error>

namespace etp::ctl {
namespace {

// One value as bash's %q wrote it, up to the end of the line.
std::string unquote(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '\'') {
            const auto end = text.find('\'', i + 1);
            out.append(text.substr(i + 1, end == std::string_view::npos ? end : end - i - 1));
            i = end == std::string_view::npos ? text.size() : end + 1;
        } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '\'') {
            i += 2;
            while (i < text.size() && text[i] != '\'') {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    const char e = text[i + 1];
                    out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
                    i += 2;
                } else {
                    out.push_back(text[i++]);
                }
            }
            ++i;
        } else if (c == '"') {
            ++i;
            while (i < text.size() && text[i] != '"') {
                if (text[i] == '\\' && i + 1 < text.size()) ++i;
                out.push_back(text[i++]);
            }
            ++i;
        } else if (c == '\\' && i + 1 < text.size()) {
            out.push_back(text[i + 1]);
            i += 2;
        } else {
            out.push_back(c);
            ++i;
        }
    }
    return out;
}

bool is_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> non_empty(std::optional<std::string> value) {
    if (value && value->empty()) return std::nullopt;
    return value;
}

std::optional<std::string> from_file(const EnvFile& file, const std::string& name) {
    auto it = file.find(name);
    if (it == file.end()) return std::nullopt;
    return non_empty(it->second);
}

}  // namespace

EnvFile parse_env_file(std::string_view text) {
    EnvFile vars;
    while (!text.empty()) {
        auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            line.remove_prefix(1);
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with("export ")) line.remove_prefix(7);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || !is_name(line.substr(0, eq))) continue;
        vars[std::string(line.substr(0, eq))] = unquote(line.substr(eq + 1));
    }
    return vars;
}

std::optional<std::filesystem::path> find_run_env(const std::filesystem::path& start) {
    std::error_code ec;
    auto dir = std::filesystem::absolute(start, ec);
    if (ec) return std::nullopt;
    while (true) {
        auto candidate = dir / ".run" / "env";
        if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
        if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
        dir = dir.parent_path();
    }
}

ClientSettings resolve_settings(const GlobalOptions& flags, const EnvLookup& env,
                                const EnvFile& run_env) {
    ClientSettings settings;
    if (auto url = non_empty(flags.url)) {
        settings.url = *url;
    } else if (auto env_url = non_empty(env("ETP_GATEWAY_URL"))) {
        settings.url = *env_url;
    } else if (auto file_url = from_file(run_env, "ETP_GATEWAY_URL")) {
        settings.url = *file_url;
    } else {
        settings.url = kDefaultGatewayUrl;
    }
    settings.key = non_empty(flags.key);
    if (!settings.key) settings.key = non_empty(env("ETP_API_KEY"));
    if (!settings.key) settings.key = non_empty(env("ETP_ADMIN_KEY"));
    if (!settings.key) settings.key = from_file(run_env, "ETP_API_KEY");
    if (!settings.key) settings.key = from_file(run_env, "ETP_ADMIN_KEY");
    return settings;
}

}  // namespace etp::ctl
