#include <exception>

#include "etp/runtime/allocator.hpp"
#include "etp/runtime/log.hpp"
#include "gateway_app.hpp"

int main(int argc, char** argv) {
    etp::runtime::tune_allocator();
    etp::gateway::GatewayConfig config;
    auto spec = etp::gateway::make_config_spec(config);
    if (auto code = spec.parse_or_exit_code(argc, argv)) return *code;
    etp::runtime::ShutdownSignal shutdown;
    try {
        return etp::gateway::run_gateway(config, shutdown);
    } catch (const std::exception& e) {
        etp::log::error("api-gateway failed", {{"error", e.what()}});
        return 1;
    }
}
