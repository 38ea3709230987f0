#pragma once
// The webhook delivery metrics (etp_webhook_*), shared by the engine, its poller and its recorder.

#include <string>

#include "etp/runtime/metrics.hpp"

namespace etp::dispatcher {

struct DeliveryMetrics {
    prometheus::Family<prometheus::Counter>& deliveries;
    prometheus::Counter& attempts_ok;
    prometheus::Counter& attempts_failed;
    prometheus::Histogram& latency;
    prometheus::Gauge& queue_depth;
    prometheus::Gauge& in_memory;
    prometheus::Gauge& in_flight;
};

// Registered on first use.
DeliveryMetrics& delivery_metrics();

// A delivery finished (succeeded, dead) or an attempt to repeat (retried).
void count_delivery(const std::string& outcome);

}  // namespace etp::dispatcher
