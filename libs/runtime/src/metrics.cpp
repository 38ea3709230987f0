#include "etp/runtime/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace etp::runtime {

prometheus::Registry& metrics_registry() {
    static prometheus::Registry registry;
    return registry;
}

std::string render_metrics() {
    prometheus::TextSerializer serializer;
    return serializer.Serialize(metrics_registry().Collect());
}

}  // namespace etp::runtime
