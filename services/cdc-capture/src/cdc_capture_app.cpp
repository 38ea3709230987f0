#include "cdc_capture_app.hpp"

#include "etp/service/service_host.hpp"

namespace etp::cdc_capture {

int run_cdc_capture(const CdcCaptureConfig& config, runtime::ShutdownSignal& shutdown) {
    service::ServiceHost host("cdc-capture", config.common, 2);
    // The source database is checked for readiness; streaming it arrives with change capture.
    pg::Pool source(config.source_url, 1);
    host.add_check({"source postgres", [&source] { return source.check(); }});
    return host.run(shutdown);
}

}  // namespace etp::cdc_capture
