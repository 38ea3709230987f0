#include "etp/service/secret_keys.hpp"

#include "etp/runtime/kafka_properties.hpp"
#include "etp/runtime/log.hpp"

namespace etp::service {
namespace {

struct SecretKeySettings {
    std::string key;
    std::string key_file;
    std::string key_id;
    std::string previous;
    std::string previous_file;
};

// A value from NAME or NAME_FILE (the file's content; both set is a problem).
std::string value_or_file(const std::string& name, const std::string& value,
                          const std::string& file, std::vector<std::string>& problems) {
    if (!value.empty() && !file.empty()) {
        problems.push_back(name + " and " + name + "_FILE are both set; use one");
        return {};
    }
    if (file.empty()) return value;
    std::string error;
    auto text = runtime::read_text_file(file, &error);
    if (!text) {
        problems.push_back(name + "_FILE=\"" + file + "\" cannot be read: " + error);
        return {};
    }
    if (text->find_first_not_of(" \t\r\n") == std::string::npos)
        problems.push_back(name + "_FILE=\"" + file + "\" is empty");
    return *text;
}

std::vector<std::string> split_keys(const std::string& text) {
    std::vector<std::string> out;
    std::string current;
    for (char c : text) {
        if (c == ',' || c == '\n' || c == '\r' || c == ' ' || c == '\t') {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

std::vector<std::string> build_box(const SecretKeySettings& s,
                                   std::shared_ptr<const secrets::SecretBox>& box) {
    std::vector<std::string> problems;
    std::string key_text = value_or_file("ETP_SECRET_KEY", s.key, s.key_file, problems);
    std::string previous_text =
        value_or_file("ETP_SECRET_KEYS_PREVIOUS", s.previous, s.previous_file, problems);
    if (!problems.empty()) return problems;

    std::optional<secrets::SecretKey> current;
    std::string where = s.key_file.empty() ? "ETP_SECRET_KEY" : "ETP_SECRET_KEY_FILE";
    if (key_text.find_first_not_of(" \t\r\n") != std::string::npos) {
        std::string problem;
        current = secrets::parse_key(key_text, s.key_id, problem);
        if (!current) problems.push_back(where + " " + problem);
    } else if (!s.key_id.empty()) {
        problems.push_back("ETP_SECRET_KEY_ID needs ETP_SECRET_KEY or ETP_SECRET_KEY_FILE");
    }

    where = s.previous_file.empty() ? "ETP_SECRET_KEYS_PREVIOUS" : "ETP_SECRET_KEYS_PREVIOUS_FILE";
    std::vector<secrets::SecretKey> previous;
    int number = 0;
    for (const std::string& entry : split_keys(previous_text)) {
        ++number;
        // `id:base64`; base64 has no ':'.
        std::size_t colon = entry.find(':');
        std::string id = colon == std::string::npos ? "" : entry.substr(0, colon);
        std::string text = colon == std::string::npos ? entry : entry.substr(colon + 1);
        std::string problem;
        auto key = secrets::parse_key(text, id, problem);
        if (!key) {
            problems.push_back(where + " key " + std::to_string(number) + " " + problem);
            continue;
        }
        previous.push_back(std::move(*key));
    }
    if (!current && !previous.empty())
        problems.push_back(where +
                           " needs ETP_SECRET_KEY or ETP_SECRET_KEY_FILE (the key "
                           "that encrypts from now on)");
    // One id, one key: an id seen twice could open a value with the wrong key.
    std::vector<std::string> ids;
    if (current) ids.push_back(current->id);
    for (const auto& key : previous) ids.push_back(key.id);
    for (std::size_t i = 0; i < ids.size(); ++i)
        for (std::size_t j = i + 1; j < ids.size(); ++j)
            if (ids[i] == ids[j])
                problems.push_back("secret key id \"" + ids[i] +
                                   "\" is given to two keys (ETP_SECRET_KEY_ID, "
                                   "ETP_SECRET_KEYS_PREVIOUS)");
    if (problems.empty())
        box = std::make_shared<const secrets::SecretBox>(std::move(current), std::move(previous));
    return problems;
}

}  // namespace

void add_secret_keys(runtime::ConfigSpec& spec, std::shared_ptr<const secrets::SecretBox>& box) {
    box = std::make_shared<const secrets::SecretBox>();
    auto s = std::make_shared<SecretKeySettings>();
    spec.secret("ETP_SECRET_KEY",
                "base64 of 32 random bytes (openssl rand -base64 32): the AES-256-GCM key that "
                "encrypts webhook signing secrets in PostgreSQL; unset: they are stored in plain "
                "text, with a warning",
                s->key)
        .text("ETP_SECRET_KEY_FILE", "",
              "file holding ETP_SECRET_KEY, read at start (instead of the variable)", s->key_file)
        .text("ETP_SECRET_KEY_ID", "",
              "id stored beside each value encrypted with ETP_SECRET_KEY (1 to 32 of A-Z a-z 0-9 "
              ". _ -); empty: the first 8 hex digits of the key's SHA-256",
              s->key_id)
        .secret("ETP_SECRET_KEYS_PREVIOUS",
                "earlier keys, [id:]base64 separated by commas, that still decrypt what they "
                "encrypted; api-gateway re-encrypts such values with ETP_SECRET_KEY at start",
                s->previous)
        .text("ETP_SECRET_KEYS_PREVIOUS_FILE", "",
              "file holding ETP_SECRET_KEYS_PREVIOUS (one key a line or comma-separated)",
              s->previous_file)
        .check([s, &box] { return build_box(*s, box); });
}

void warn_if_no_secret_key(const secrets::SecretBox& box) {
    if (box.has_key()) return;
    log::warn(
        "ETP_SECRET_KEY is not set: webhook signing secrets are stored in PostgreSQL in plain "
        "text; set it (base64 of 32 random bytes) and restart api-gateway to encrypt them",
        nullptr);
}

}  // namespace etp::service
