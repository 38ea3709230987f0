#pragma once
// `etpctl completion bash`: a bash completion script generated from the command table, so
// that it offers exactly the commands and options the parser accepts. Pure.

#include <string>

#include "command_line.hpp"

namespace etp::ctl {

std::string bash_completion(const CommandTable& table);

}  // namespace etp::ctl
