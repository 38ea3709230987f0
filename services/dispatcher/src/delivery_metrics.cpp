#include "delivery_metrics.hpp"

namespace etp::dispatcher {

DeliveryMetrics& delivery_metrics() {
    static auto& deliveries = prometheus::BuildCounter()
                                  .Name("etp_webhook_deliveries_total")
                                  .Help(
                                      "Webhook deliveries finished, by outcome "
                                      "(succeeded, dead); retried counts attempts to repeat")
                                  .Register(runtime::metrics_registry());
    static auto& attempts = prometheus::BuildCounter()
                                .Name("etp_webhook_attempts_total")
                                .Help("Webhook HTTP attempts, by result")
                                .Register(runtime::metrics_registry());
    static auto& latency =
        prometheus::BuildHistogram()
            .Name("etp_webhook_attempt_seconds")
            .Help("Webhook attempt duration, from resolving the target to the answer read")
            .Register(runtime::metrics_registry());
    static auto& gauges = prometheus::BuildGauge()
                              .Name("etp_webhook_queue")
                              .Help(
                                  "Pending webhook deliveries: in PostgreSQL (retry queue "
                                  "depth, all dispatchers) and held in this process's memory")
                              .Register(runtime::metrics_registry());
    static auto& in_flight =
        prometheus::BuildGauge()
            .Name("etp_webhook_attempts_in_flight")
            .Help("Webhook attempts in flight (each holds a socket, no thread)")
            .Register(runtime::metrics_registry());
    static DeliveryMetrics m{
        deliveries,
        attempts.Add({{"result", "2xx"}}),
        attempts.Add({{"result", "failed"}}),
        latency.Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                0.5, 1, 2.5, 5, 10, 30}),
        gauges.Add({{"where", "postgres"}}),
        gauges.Add({{"where", "memory"}}),
        in_flight.Add({})};
    return m;
}

void count_delivery(const std::string& outcome) {
    delivery_metrics().deliveries.Add({{"outcome", outcome}}).Increment();
}

}  // namespace etp::dispatcher
