#include <exception>

#include "cdc_capture_app.hpp"
#include "etp/runtime/allocator.hpp"
#include "etp/runtime/log.hpp"

int main(int argc, char** argv) {
    etp::runtime::tune_allocator();
    etp::cdc_capture::CdcCaptureConfig config;
    auto spec = etp::cdc_capture::make_config_spec(config);
    if (auto code = spec.parse_or_exit_code(argc, argv)) return *code;
    etp::runtime::ShutdownSignal shutdown;
    try {
        return etp::cdc_capture::run_cdc_capture(config, shutdown);
    } catch (const std::exception& e) {
        etp::log::error("cdc-capture failed", {{"error", e.what()}});
        return 1;
    }
}
