#pragma once
// Where etpctl finds the gateway and its API key: the flags, else the environment, else the
// .run/env file scripts/run writes (in the working directory or one of its parents).

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "command_line.hpp"

namespace etp::ctl {

// scripts/run's default gateway.
inline constexpr const char* kDefaultGatewayUrl = "http://127.0.0.1:8080";

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
using EnvFile = std::map<std::string, std::string>;

struct ClientSettings {
    std::string url;
    std::optional<std::string> key;
};

// The variables of a shell file of `export NAME=VALUE` or `NAME=VALUE` lines, values quoted
// as bash's printf %q quotes them (plain, '...', $'...', backslash escapes). Other lines
// (comments, blank) are skipped.
EnvFile parse_env_file(std::string_view text);

// The nearest .run/env from `start` upwards; nullopt when there is none.
std::optional<std::filesystem::path> find_run_env(const std::filesystem::path& start);

// Flags first, then the environment (ETP_GATEWAY_URL; ETP_API_KEY, else ETP_ADMIN_KEY), then
// the file's same names, then kDefaultGatewayUrl (the key stays empty). Empty values count
// as unset.
ClientSettings resolve_settings(const GlobalOptions& flags, const EnvLookup& env,
                                const EnvFile& run_env);

}  // namespace etp::ctl
