#include "retention_app.hpp"

#include "etp/service/service_host.hpp"

namespace etp::retention {

int run_retention(const RetentionConfig& config, runtime::ShutdownSignal& shutdown) {
    service::ServiceHost host("retention", config.common, 2);
    return host.run(shutdown);
}

}  // namespace etp::retention
