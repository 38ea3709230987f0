#pragma once
// The API representation of an event's webhook deliveries (GET /api/v1/events/{id}): each
// delivery with its HTTP attempts, times as RFC 3339, null where a value is absent. Pure.

#include <nlohmann/json.hpp>

#include "etp/pg/delivery_store.hpp"

namespace etp::gateway {

nlohmann::json delivery_to_json(const pg::DeliveryRecord& delivery);

}  // namespace etp::gateway
