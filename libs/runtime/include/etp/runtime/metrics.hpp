#pragma once
// The process-wide Prometheus registry (prometheus-cpp core) and its text rendering, served by
// our own HTTP servers (admin server, gateway). Thread-safe.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace etp::runtime {

prometheus::Registry& metrics_registry();

// Prometheus text exposition format of everything registered.
std::string render_metrics();

}  // namespace etp::runtime
