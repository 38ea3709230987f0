#include "cdc_capture_config.hpp"

namespace etp::cdc_capture {

runtime::ConfigSpec make_config_spec(CdcCaptureConfig& config) {
    runtime::ConfigSpec spec(
        "cdc-capture",
        "Streams row changes of the source database (logical replication) to Kafka and fires cdc "
        "triggers. In this build it connects to PostgreSQL (platform and source) and Kafka and "
        "reports health; streaming arrives with the cdc-capture issue.");
    runtime::add_common(spec, config.common, 9103);
    spec.postgres_url("CDC_SOURCE_URL", "postgresql://etp@127.0.0.1:5432/monitors",
                      "the source database whose changes are captured", config.source_url);
    return spec;
}

}  // namespace etp::cdc_capture
