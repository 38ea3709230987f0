#include "cdc_capture_app.hpp"
#include "etp/service/run_main.hpp"

int main(int argc, char** argv) {
    return etp::service::run_main<etp::cdc_capture::CdcCaptureConfig>(
        argc, argv,
        {"cdc-capture", etp::cdc_capture::make_config_spec, etp::cdc_capture::run_cdc_capture});
}
