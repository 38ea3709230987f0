#include "etp/service/run_main.hpp"
#include "retention_app.hpp"

int main(int argc, char** argv) {
    using namespace etp::retention;
    return etp::service::run_main<RetentionConfig>(
        argc, argv,
        {"retention", make_config_spec, run_retention, &RetentionConfig::once, run_retention_once});
}
