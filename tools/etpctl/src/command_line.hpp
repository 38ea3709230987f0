#pragma once
// etpctl's command table and the parser that reads a command line against it. Pure: no I/O.
// The same table drives parsing, every --help text and the bash completion script.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/error.hpp"

namespace etp::ctl {

// Exit codes: 0 done, 1 the gateway said no or could not be reached, 2 bad usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// The command line is wrong (unknown command or option, missing argument, unreadable file):
// exit 2 with the message and a pointer to --help.
class UsageError : public Error {
 public:
    explicit UsageError(const std::string& message) : Error(ErrorKind::kInvalidInput, message) {}
};

// The command ran and did not succeed (the gateway refused, or did not answer): exit 1.
// `status` is the HTTP status of the refusal, 0 when no answer came.
class CommandFailed : public Error {
 public:
    explicit CommandFailed(const std::string& message, int status = 0)
        : Error(status == 0 || status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kInvalidInput,
                message, status == 0 || status >= 500),
          status_(status) {}

    int status() const noexcept { return status_; }

 private:
    int status_;
};

enum class OutputFormat { kTable, kJson };

struct OptionSpec {
    std::string name;        // long form without dashes: "trigger"
    char short_name = 0;     // 'f' for -f, 0 for none
    std::string value_name;  // "ID"; empty for a switch
    std::string help;
    bool repeatable = false;
};

struct Invocation;

struct CommandSpec {
    std::string group;       // "triggers"; empty for a top-level command such as "health"
    std::string name;        // "list"
    std::string args_usage;  // "ID", "[ID]"; shown in the usage line
    std::size_t min_args = 0;
    std::size_t max_args = 0;
    std::string summary;  // one line, in the lists
    std::string help;     // the paragraph of its --help, with an example
    std::vector<OptionSpec> options;
    std::function<int(Invocation&)> handler;

    std::string path() const { return group.empty() ? name : group + " " + name; }
};

struct GroupSpec {
    std::string name;
    std::string summary;
};

struct CommandTable {
    std::vector<GroupSpec> groups;
    std::vector<CommandSpec> commands;
};

// The options every command takes.
struct GlobalOptions {
    std::optional<std::string> url;
    std::optional<std::string> key;
    OutputFormat output = OutputFormat::kTable;
};

struct ParsedCommandLine {
    const CommandSpec* command = nullptr;  // the leaf, when one was named
    const GroupSpec* group = nullptr;      // the group named (also set with a leaf in it)
    bool help = false;
    GlobalOptions globals;
    std::vector<std::string> args;
    std::map<std::string, std::vector<std::string>> options;  // by long name; switches: {""}

    bool has(const std::string& option) const { return options.contains(option); }
    std::optional<std::string> value(const std::string& option) const;
};

// The global options, listed in every --help.
const std::vector<OptionSpec>& global_options();

// Reads `args` (argv without the program name). Throws UsageError on anything the table does
// not allow, except that --help anywhere wins: then the result names what help to print and
// no argument counts are checked.
ParsedCommandLine parse_command_line(const CommandTable& table,
                                     const std::vector<std::string>& args);

// --help texts: of the program (no group), of a group, of a command.
std::string program_help(const CommandTable& table);
std::string group_help(const CommandTable& table, const GroupSpec& group);
std::string command_help(const CommandSpec& command);

}  // namespace etp::ctl
