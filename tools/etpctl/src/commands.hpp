#pragma once
// The parts of etpctl's command table, one function per group of commands.

#include "command_line.hpp"

namespace etp::ctl {

void add_trigger_commands(CommandTable& table);
void add_event_commands(CommandTable& table);
void add_key_commands(CommandTable& table);
void add_secret_commands(CommandTable& table);
void add_schedule_commands(CommandTable& table);
void add_status_commands(CommandTable& table);  // health, whoami

// The whole table, completion included.
CommandTable make_command_table();

}  // namespace etp::ctl
