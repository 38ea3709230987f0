#pragma once
// etpctl as a function: the command line in, output and an exit code out. main() adds the
// process's environment, working directory and SIGINT.

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "client_settings.hpp"

namespace etp::ctl {

struct Environment {
    EnvLookup env;                         // the process environment
    std::function<EnvFile()> run_env;      // .run/env's variables (empty when there is none)
    std::function<bool()> stop_requested;  // SIGINT or SIGTERM arrived
};

// Parses, runs the command, reports: 0 done, 1 refused or unreachable, 2 bad usage.
int run(const std::vector<std::string>& args, const Environment& environment, std::ostream& out,
        std::ostream& err);

}  // namespace etp::ctl
