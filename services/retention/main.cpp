#include <exception>

#include "etp/domain/error.hpp"
#include "etp/runtime/allocator.hpp"
#include "etp/runtime/log.hpp"
#include "retention_app.hpp"

int main(int argc, char** argv) {
    etp::runtime::tune_allocator();
    etp::retention::RetentionConfig config;
    auto spec = etp::retention::make_config_spec(config);
    if (auto code = spec.parse_or_exit_code(argc, argv)) return *code;
    try {
        if (config.once) return etp::retention::run_retention_once(config);
        etp::runtime::ShutdownSignal shutdown;
        return etp::retention::run_retention(config, shutdown);
    } catch (const etp::Error& e) {
        etp::log::error("retention failed", {{"error", e.what()}});
        return e.kind() == etp::ErrorKind::kInvalidInput ? 2 : 1;
    } catch (const std::exception& e) {
        etp::log::error("retention failed", {{"error", e.what()}});
        return 1;
    }
}
