#include <exception>

#include "etp/runtime/log.hpp"
#include "retention_app.hpp"

int main(int argc, char** argv) {
    etp::retention::RetentionConfig config;
    auto spec = etp::retention::make_config_spec(config);
    if (auto code = spec.parse_or_exit_code(argc, argv)) return *code;
    etp::runtime::ShutdownSignal shutdown;
    try {
        return etp::retention::run_retention(config, shutdown);
    } catch (const std::exception& e) {
        etp::log::error("retention failed", {{"error", e.what()}});
        return 1;
    }
}
