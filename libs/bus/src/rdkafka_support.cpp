#include "rdkafka_support.hpp"

#include <array>
#include <string_view>

#include "etp/domain/error.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/metrics.hpp"

namespace etp::bus::detail {
namespace {

log::Level from_syslog(int level) {
    if (level <= 3) return log::Level::kError;
    if (level == 4) return log::Level::kWarn;
    if (level <= 6) return log::Level::kInfo;
    return log::Level::kDebug;
}

ClientContext* context_of(const rd_kafka_t* rk) {
    return static_cast<ClientContext*>(rd_kafka_opaque(rk));
}

// Runs on librdkafka's internal threads. Debug lines (asked for with the `debug` property)
// pass unthrottled; everything else is rate-limited per facility so a dead broker does not
// flood the log.
// An offset reset after "out of range" means the messages between the consumer's position and
// the log's start were deleted before they were consumed (retention, or the development
// broker's 5 MiB per partition): a loss, whatever level librdkafka gives it.
bool is_offset_reset_loss(std::string_view text) {
    return text.find("out of range") != std::string_view::npos &&
           text.find("reset") != std::string_view::npos;
}

void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* text) noexcept {
    if (is_offset_reset_loss(text)) {
        static auto& resets = prometheus::BuildCounter()
                                  .Name("etp_kafka_offset_resets_total")
                                  .Help(
                                      "Consumer offsets reset because the messages at them "
                                      "were already deleted (messages skipped)")
                                  .Register(runtime::metrics_registry())
                                  .Add({});
        resets.Increment();
        log::error("kafka messages deleted before they were consumed; consumer skipped them",
                   {{"client", rd_kafka_name(rk)}, {"detail", text}});
        return;
    }
    const log::Level ours = from_syslog(level);
    if (!log::enabled(ours)) return;
    ClientContext* context = context_of(rk);
    nlohmann::json fields = {{"facility", facility},
                             {"rdkafka_level", level},
                             {"client", rd_kafka_name(rk)},
                             {"detail", text}};
    if (context != nullptr) {
        fields["role"] = context->role;
        if (ours != log::Level::kDebug) {
            auto dropped = context->limiter.admit(std::string("log:") + facility);
            if (!dropped) return;
            if (*dropped > 0) fields["suppressed"] = *dropped;
        }
    }
    log::write(ours, "librdkafka log", fields);
}

// Served by rd_kafka_poll / rd_kafka_consumer_poll on the polling thread.
void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) noexcept {
    auto* context = static_cast<ClientContext*>(opaque);
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
        std::string detail = fatal_reason(rk);
        if (detail.empty()) detail = reason;
        log::error("librdkafka fatal error", {{"client", rd_kafka_name(rk)},
                                              {"role", context->role},
                                              {"error", rd_kafka_err2name(code)},
                                              {"detail", detail}});
        if (context->on_fatal) context->on_fatal(detail);
        return;
    }
    nlohmann::json fields = {{"client", rd_kafka_name(rk)},
                             {"role", context->role},
                             {"error", rd_kafka_err2name(code)},
                             {"detail", reason}};
    auto dropped = context->limiter.admit(std::string("error:") + rd_kafka_err2name(code));
    if (!dropped) return;
    if (*dropped > 0) fields["suppressed"] = *dropped;
    // Connection trouble is the world's doing and librdkafka retries it: a warning.
    const bool transient = code == RD_KAFKA_RESP_ERR__TRANSPORT ||
                           code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
                           code == RD_KAFKA_RESP_ERR__RESOLVE;
    log::write(transient ? log::Level::kWarn : log::Level::kError, "librdkafka error", fields);
}

}  // namespace

std::optional<long> RateLimiter::admit(const std::string& key) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    auto [it, inserted] = slots_.try_emplace(key);
    Slot& slot = it->second;
    if (!inserted && now - slot.last < interval_) {
        ++slot.dropped;
        return std::nullopt;
    }
    slot.last = now;
    return std::exchange(slot.dropped, 0);
}

ConfPtr make_conf(const std::map<std::string, std::string>& properties, ClientContext& context) {
    ConfPtr conf(rd_kafka_conf_new());
    std::array<char, 512> errstr{};
    for (const auto& [name, value] : properties) {
        if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr.data(),
                              errstr.size()) != RD_KAFKA_CONF_OK) {
            throw Error(ErrorKind::kInternal,
                        "kafka property " + name + " rejected: " + std::string(errstr.data()));
        }
    }
    rd_kafka_conf_set_opaque(conf.get(), &context);
    rd_kafka_conf_set_log_cb(conf.get(), on_log);
    rd_kafka_conf_set_error_cb(conf.get(), on_error);
    return conf;
}

KafkaPtr make_handle(rd_kafka_type_t type, ConfPtr conf, int destroy_flags) {
    std::array<char, 512> errstr{};
    KafkaPtr rk(rd_kafka_new(type, conf.get(), errstr.data(), errstr.size()),
                KafkaDeleter{destroy_flags});
    if (!rk) {
        // The conf is still ours: `conf` destroys it.
        throw Error(ErrorKind::kInternal,
                    "cannot create kafka client: " + std::string(errstr.data()));
    }
    // rd_kafka_new took ownership of the conf.
    (void)conf.release();
    return rk;
}

std::optional<std::string> check_metadata(rd_kafka_t* rk,
                                          std::chrono::milliseconds timeout) noexcept {
    const rd_kafka_metadata_t* raw = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, nullptr, &raw, to_ms(timeout));
    MetadataPtr metadata(raw);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::string("kafka metadata request failed: ") + rd_kafka_err2str(err);
    }
    if (metadata == nullptr || metadata->broker_cnt == 0) {
        return std::string("kafka metadata lists no broker");
    }
    return std::nullopt;
}

std::string fatal_reason(rd_kafka_t* rk) {
    std::array<char, 512> errstr{};
    if (rd_kafka_fatal_error(rk, errstr.data(), errstr.size()) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        return {};
    }
    return std::string(errstr.data());
}

int to_ms(std::chrono::milliseconds duration) {
    if (duration.count() < 0) return 0;
    if (duration.count() > 0x7fffffff) return 0x7fffffff;
    return static_cast<int>(duration.count());
}

}  // namespace etp::bus::detail
