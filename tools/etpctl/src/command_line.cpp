#include "command_line.hpp"

#include <algorithm>
#include <sstream>

namespace etp::ctl {
namespace {

constexpr const char* kProgram = "etpctl";

std::string see_help(const ParsedCommandLine& parsed) {
    std::string path = kProgram;
    if (parsed.command != nullptr) {
        path += " " + parsed.command->path();
    } else if (parsed.group != nullptr) {
        path += " " + parsed.group->name;
    }
    return " (see " + path + " --help)";
}

std::string option_label(const OptionSpec& option) {
    std::string label =
        option.short_name != 0 ? std::string("-") + option.short_name + ", " : "    ";
    label += "--" + option.name;
    if (!option.value_name.empty()) label += " " + option.value_name;
    return label;
}

void print_options(std::ostream& out, const std::vector<OptionSpec>& options) {
    std::size_t width = 0;
    for (const auto& option : options) width = std::max(width, option_label(option).size());
    for (const auto& option : options) {
        const auto label = option_label(option);
        out << "  " << label << std::string(width - label.size() + 2, ' ') << option.help;
        if (option.repeatable) out << " (repeatable)";
        out << "\n";
    }
}

const OptionSpec* find_option(const std::vector<OptionSpec>& options, std::string_view name,
                              bool is_short) {
    for (const auto& option : options) {
        if (is_short ? (name.size() == 1 && option.short_name == name[0]) : option.name == name) {
            return &option;
        }
    }
    return nullptr;
}

OutputFormat parse_output(const std::string& value) {
    if (value == "table") return OutputFormat::kTable;
    if (value == "json") return OutputFormat::kJson;
    throw UsageError("-o " + value + ": the output is table or json");
}

bool asks_for_help(const std::vector<std::string>& args) {
    for (const auto& arg : args) {
        if (arg == "--") return false;
        if (arg == "--help" || arg == "-h") return true;
    }
    return false;
}

}  // namespace

std::optional<std::string> ParsedCommandLine::value(const std::string& option) const {
    auto it = options.find(option);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

const std::vector<OptionSpec>& global_options() {
    static const std::vector<OptionSpec> kOptions = {
        {"url", 0, "URL", "the gateway (else ETP_GATEWAY_URL, else .run/env)"},
        {"key", 0, "KEY", "the API key (else ETP_API_KEY or ETP_ADMIN_KEY, else .run/env)"},
        {"output", 'o', "FORMAT", "table (default, for people) or json (for scripts)"},
        {"help", 'h', "", "this help"},
    };
    return kOptions;
}

ParsedCommandLine parse_command_line(const CommandTable& table,
                                     const std::vector<std::string>& args) {
    ParsedCommandLine parsed;
    parsed.help = asks_for_help(args);
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& token = args[i];
        if (!options_done && token == "--") {
            options_done = true;
            continue;
        }
        if (!options_done && token.size() > 1 && token[0] == '-') {
            const bool is_short = token[1] != '-';
            std::string name = is_short ? token.substr(1, 1) : token.substr(2);
            std::optional<std::string> inline_value;
            if (is_short && token.size() > 2) {
                inline_value = token.substr(2);
            } else if (!is_short) {
                if (auto eq = name.find('='); eq != std::string::npos) {
                    inline_value = name.substr(eq + 1);
                    name.resize(eq);
                }
            }
            const OptionSpec* option = find_option(global_options(), name, is_short);
            const bool global = option != nullptr;
            if (!global && parsed.command != nullptr) {
                option = find_option(parsed.command->options, name, is_short);
            }
            if (option == nullptr) {
                if (parsed.help) continue;
                throw UsageError("unknown option " + token + see_help(parsed));
            }
            std::string value;
            if (option->value_name.empty()) {
                if (inline_value) {
                    throw UsageError("--" + option->name + " takes no value" + see_help(parsed));
                }
            } else if (inline_value) {
                value = *inline_value;
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                if (parsed.help) continue;
                throw UsageError("--" + option->name + " needs a value (" + option->value_name +
                                 ")" + see_help(parsed));
            }
            if (global) {
                if (option->name == "url") parsed.globals.url = value;
                if (option->name == "key") parsed.globals.key = value;
                if (option->name == "output") parsed.globals.output = parse_output(value);
                continue;
            }
            auto& values = parsed.options[option->name];
            if (!values.empty() && !option->repeatable && !parsed.help) {
                throw UsageError("--" + option->name + " given twice" + see_help(parsed));
            }
            values.push_back(value);
            continue;
        }
        if (parsed.command != nullptr) {
            parsed.args.push_back(token);
            continue;
        }
        if (parsed.group == nullptr) {
            auto group = std::find_if(table.groups.begin(), table.groups.end(),
                                      [&](const GroupSpec& g) { return g.name == token; });
            if (group != table.groups.end()) {
                parsed.group = &*group;
                continue;
            }
        }
        const std::string group_name = parsed.group != nullptr ? parsed.group->name : "";
        auto command = std::find_if(
            table.commands.begin(), table.commands.end(),
            [&](const CommandSpec& c) { return c.group == group_name && c.name == token; });
        if (command == table.commands.end()) {
            std::string message = "unknown command '";
            if (!group_name.empty()) message += group_name + " ";
            message += token + "'" + see_help(parsed);
            throw UsageError(message);
        }
        parsed.command = &*command;
    }
    if (parsed.help) return parsed;
    if (parsed.command == nullptr) {
        if (parsed.group == nullptr) throw UsageError("no command given (see etpctl --help)");
        throw UsageError("etpctl " + parsed.group->name + " needs a command" + see_help(parsed));
    }
    const auto& command = *parsed.command;
    if (parsed.args.size() < command.min_args) {
        throw UsageError("etpctl " + command.path() + " needs " + command.args_usage +
                         see_help(parsed));
    }
    if (parsed.args.size() > command.max_args) {
        throw UsageError("etpctl " + command.path() + ": unexpected argument '" +
                         parsed.args[command.max_args] + "'" + see_help(parsed));
    }
    return parsed;
}

std::string program_help(const CommandTable& table) {
    std::ostringstream out;
    out << "Usage: etpctl [options] COMMAND [ARGS]\n\n"
           "A command-line client of the Event Trigger Platform's REST API (the api-gateway).\n"
           "The gateway and the key come from --url and --key, else ETP_GATEWAY_URL and\n"
           "ETP_API_KEY, else .run/env (written by scripts/run) in this directory or a parent.\n\n"
           "Commands:\n";
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& group : table.groups) {
        for (const auto& command : table.commands) {
            if (command.group == group.name) lines.emplace_back(command.path(), command.summary);
        }
    }
    for (const auto& command : table.commands) {
        if (command.group.empty()) lines.emplace_back(command.path(), command.summary);
    }
    std::size_t width = 0;
    for (const auto& [path, summary] : lines) width = std::max(width, path.size());
    for (const auto& [path, summary] : lines) {
        out << "  " << path << std::string(width - path.size() + 2, ' ') << summary << "\n";
    }
    out << "\nGlobal options:\n";
    print_options(out, global_options());
    out << "\nExit codes: 0 done; 1 the gateway refused (its detail on stderr) or could not be\n"
           "reached; 2 bad usage. 'etpctl COMMAND --help' describes each command.\n";
    return out.str();
}

std::string group_help(const CommandTable& table, const GroupSpec& group) {
    std::ostringstream out;
    out << "Usage: etpctl " << group.name << " COMMAND [ARGS] [options]\n\n"
        << group.summary << "\n\nCommands:\n";
    std::size_t width = 0;
    for (const auto& command : table.commands) {
        if (command.group == group.name) width = std::max(width, command.name.size());
    }
    for (const auto& command : table.commands) {
        if (command.group != group.name) continue;
        out << "  " << command.name << std::string(width - command.name.size() + 2, ' ')
            << command.summary << "\n";
    }
    out << "\nGlobal options:\n";
    print_options(out, global_options());
    return out.str();
}

std::string command_help(const CommandSpec& command) {
    std::ostringstream out;
    out << "Usage: etpctl " << command.path();
    if (!command.args_usage.empty()) out << " " << command.args_usage;
    out << " [options]\n\n" << command.summary << "\n";
    if (!command.help.empty()) out << "\n" << command.help << "\n";
    if (!command.options.empty()) {
        out << "\nOptions:\n";
        print_options(out, command.options);
    }
    out << "\nGlobal options:\n";
    print_options(out, global_options());
    return out.str();
}

}  // namespace etp::ctl
