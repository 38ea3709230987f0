#include "etpctl.hpp"

#include "command_support.hpp"
#include "commands.hpp"
#include "completion.hpp"

namespace etp::ctl {

CommandTable make_command_table() {
    CommandTable table;
    add_trigger_commands(table);
    add_event_commands(table);
    add_key_commands(table);
    add_secret_commands(table);
    add_schedule_commands(table);
    add_status_commands(table);
    table.commands.push_back(
        {"",
         "completion",
         "bash",
         1,
         1,
         "Print the bash completion script",
         "Load it into this shell, or install it for every new one:\n"
         "  source <(etpctl completion bash)\n"
         "  etpctl completion bash > ~/.local/share/bash-completion/completions/etpctl",
         {},
         [](Invocation& inv) {
             if (inv.arg(0) != "bash") {
                 throw UsageError("etpctl completion knows bash only, not " + inv.arg(0));
             }
             inv.out << bash_completion(make_command_table());
             return kExitOk;
         }});
    return table;
}

int run(const std::vector<std::string>& args, const Environment& environment, std::ostream& out,
        std::ostream& err) {
    const CommandTable table = make_command_table();
    try {
        const auto line = parse_command_line(table, args);
        if (line.help) {
            if (line.command != nullptr) {
                out << command_help(*line.command);
            } else if (line.group != nullptr) {
                out << group_help(table, *line.group);
            } else {
                out << program_help(table);
            }
            return kExitOk;
        }
        Invocation invocation{
            line, resolve_settings(line.globals, environment.env, environment.run_env()), out, err,
            environment.stop_requested};
        const int code = line.command->handler(invocation);
        out.flush();
        return code;
    } catch (const UsageError& e) {
        err << "etpctl: " << e.what() << "\n";
        return kExitUsage;
    } catch (const CommandFailed& e) {
        err << "etpctl: " << e.what() << "\n";
        return kExitFailed;
    }
}

}  // namespace etp::ctl
