#pragma once
// The keys that encrypt webhook signing secrets at rest (secrets::SecretBox), from the
// environment: ETP_SECRET_KEY or ETP_SECRET_KEY_FILE (base64 of 32 bytes), ETP_SECRET_KEY_ID
// (default: derived from the key), and for rotation ETP_SECRET_KEYS_PREVIOUS or
// ETP_SECRET_KEYS_PREVIOUS_FILE (comma- or newline-separated `[id:]base64` keys that still
// decrypt what they encrypted). Every service that reads or writes stored secrets declares them.
// Used once from main's thread.

#include <memory>

#include "etp/domain/secret_box.hpp"
#include "etp/runtime/config.hpp"

namespace etp::service {

// Adds the variables; once they parsed, a check builds `box` (files are read then). A malformed
// key is a problem naming its variable, never echoing the key. No key: a box that stores plain.
void add_secret_keys(runtime::ConfigSpec& spec, std::shared_ptr<const secrets::SecretBox>& box);

// Logs the one loud warning of a service running without a key (secrets stored in plain text).
void warn_if_no_secret_key(const secrets::SecretBox& box);

}  // namespace etp::service
