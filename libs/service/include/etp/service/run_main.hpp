#pragma once
// A service's whole main(): allocator tuning, configuration (--help → 0, bad values → 2, all
// problems on one stderr line), logging initialised once as the service, the shutdown signal,
// and one mapping of a failure to the exit code (etp::Error kInvalidInput → 2, anything else
// → 1), logged once as "<name> failed" with the error.

#include <functional>
#include <string>

#include "etp/runtime/allocator.hpp"
#include "etp/runtime/config.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/shutdown.hpp"

namespace etp::service {

template <typename Config>
struct ServiceMain {
    std::string name;  // as the service's log lines name it
    runtime::ConfigSpec (*make_spec)(Config&) = nullptr;
    // Runs until shutdown is requested; returns the exit code.
    int (*run)(const Config&, runtime::ShutdownSignal&) = nullptr;
    // A one-shot mode (`--once`): when the flag is set, run_once is called instead of run,
    // without a shutdown signal (SIGTERM ends the process as by default).
    bool Config::*once = nullptr;
    int (*run_once)(const Config&) = nullptr;
};

// Calls body; returns its exit code, or the one a thrown exception maps to (see above), after
// logging it as "<name> failed". Never throws.
int run_guarded(const std::string& name, const std::function<int()>& body) noexcept;

template <typename Config>
int run_main(int argc, char** argv, const ServiceMain<Config>& service) {
    runtime::tune_allocator();
    Config config;
    auto spec = service.make_spec(config);
    if (auto code = spec.parse_or_exit_code(argc, argv)) return *code;
    log::init(service.name, config.common.log_level);
    return run_guarded(service.name, [&] {
        if (service.once != nullptr && config.*service.once) return service.run_once(config);
        runtime::ShutdownSignal shutdown;
        return service.run(config, shutdown);
    });
}

}  // namespace etp::service
