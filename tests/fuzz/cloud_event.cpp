// bus::parse_cloud_event, as consumers read a Kafka message's value (the raw bytes, no depth
// limit). The input is the value. Properties: parsing throws nothing but ValidationError; a
// parsed event serializes to JSON that parses to the same event; its Kafka headers carry the
// same id, source and type.

#include <cstddef>
#include <string>

#include "etp/bus/cloud_event.hpp"
#include "etp/domain/error.hpp"
#include "fuzz_check.hpp"

using etp::bus::CloudEvent;
using etp::fuzz::check;

namespace {

bool same(const CloudEvent& a, const CloudEvent& b) {
    return a.id == b.id && a.source == b.source && a.type == b.type && a.subject == b.subject &&
           a.time == b.time && a.data == b.data && a.extensions == b.extensions;
}

std::string header(const CloudEvent& event, const std::string& name) {
    for (const auto& h : etp::bus::kafka_headers(event))
        if (h.key == name) return h.value;
    return "(absent)";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    CloudEvent event;
    try {
        event = etp::bus::parse_cloud_event(etp::fuzz::text_of(data, size));
    } catch (const etp::ValidationError&) {
        return 0;
    }
    check(!event.id.empty() && !event.source.empty() && !event.type.empty(),
          "cloud event: a required attribute is empty");
    const std::string text = etp::bus::serialize(event);
    const CloudEvent again = etp::bus::parse_cloud_event(text);
    check(same(again, event), "cloud event: serialize and parse do not round trip");
    check(header(event, "ce_id") == event.id && header(event, "ce_source") == event.source &&
              header(event, "ce_type") == event.type,
          "cloud event: headers differ from the event");
    return 0;
}
