#include <exception>

#include "dispatcher_app.hpp"
#include "etp/runtime/allocator.hpp"
#include "etp/runtime/log.hpp"

int main(int argc, char** argv) {
    etp::runtime::tune_allocator();
    etp::dispatcher::DispatcherConfig config;
    auto spec = etp::dispatcher::make_config_spec(config);
    if (auto code = spec.parse_or_exit_code(argc, argv)) return *code;
    etp::runtime::ShutdownSignal shutdown;
    try {
        return etp::dispatcher::run_dispatcher(config, shutdown);
    } catch (const std::exception& e) {
        etp::log::error("dispatcher failed", {{"error", e.what()}});
        return 1;
    }
}
