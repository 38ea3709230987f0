#include "rdkafka_support.hpp"

#include <array>
#include <string_view>

#include "etp/bus/security_failure.hpp"
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
    ClientContext* context = context_of(rk);
    const std::string detail = context != nullptr ? context->redact(text) : std::string(text);
    if (is_offset_reset_loss(detail)) {
        static auto& resets = prometheus::BuildCounter()
                                  .Name("etp_kafka_offset_resets_total")
                                  .Help(
                                      "Consumer offsets reset because the messages at them "
                                      "were already deleted (messages skipped)")
                                  .Register(runtime::metrics_registry())
                                  .Add({});
        resets.Increment();
        log::error("kafka messages deleted before they were consumed; consumer skipped them",
                   {{"client", rd_kafka_name(rk)}, {"detail", detail}});
        return;
    }
    const log::Level ours = from_syslog(level);
    if (!log::enabled(ours)) return;
    // librdkafka logs a broker connection failure as FAIL and hands the same text, with its
    // error code, to the error callback in the same breath (rd_kafka_broker_set_error):
    // on_error reports it, once for a wrong password or an untrusted certificate.
    if (ours != log::Level::kDebug && std::string_view(facility) == "FAIL") return;
    nlohmann::json fields = {{"facility", facility},
                             {"rdkafka_level", level},
                             {"client", rd_kafka_name(rk)},
                             {"detail", detail}};
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
    const std::string text = context->redact(reason);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
        std::string detail = fatal_reason(rk);
        if (detail.empty()) detail = text;
        log::error("librdkafka fatal error", {{"client", rd_kafka_name(rk)},
                                              {"role", context->role},
                                              {"error", rd_kafka_err2name(code)},
                                              {"detail", detail}});
        if (context->on_fatal) context->on_fatal(detail);
        return;
    }
    if (note_security_failure(rk, *context, code, text)) return;
    // The broker cannot be reached at all now: readiness should say so, not repeat an older
    // authentication failure.
    if (code == RD_KAFKA_RESP_ERR__TRANSPORT || code == RD_KAFKA_RESP_ERR__RESOLVE)
        context->clear_security_failure();
    // Every broker is down because each refused us: the security failure said why already.
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !context->security_failure().empty()) return;
    nlohmann::json fields = {{"client", rd_kafka_name(rk)},
                             {"role", context->role},
                             {"error", rd_kafka_err2name(code)},
                             {"detail", text}};
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

std::string ClientContext::security_failure() const {
    std::lock_guard lock(security_mutex_);
    return security_failure_;
}

void ClientContext::set_security_failure(std::string reason) {
    std::lock_guard lock(security_mutex_);
    security_failure_ = std::move(reason);
}

void ClientContext::clear_security_failure() {
    std::lock_guard lock(security_mutex_);
    security_failure_.clear();
}

const std::map<std::string, std::string> kClientDefaults = {
    {"reconnect.backoff.ms", "100"},
    {"reconnect.backoff.max.ms", "10000"},
};

ConfPtr make_conf(const std::map<std::string, std::string>& properties, ClientContext& context) {
    context.properties = kClientDefaults;
    for (const auto& [name, value] : properties) context.properties[name] = value;
    ConfPtr conf(rd_kafka_conf_new());
    std::array<char, 512> errstr{};
    for (const auto& [name, value] : context.properties) {
        if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr.data(),
                              errstr.size()) != RD_KAFKA_CONF_OK) {
            throw Error(ErrorKind::kInternal,
                        context.redact("kafka property " + name + " rejected: " + errstr.data()));
        }
    }
    rd_kafka_conf_set_opaque(conf.get(), &context);
    rd_kafka_conf_set_log_cb(conf.get(), on_log);
    rd_kafka_conf_set_error_cb(conf.get(), on_error);
    return conf;
}

KafkaPtr make_handle(rd_kafka_type_t type, ConfPtr conf, const ClientContext& context,
                     int destroy_flags) {
    std::array<char, 512> errstr{};
    KafkaPtr rk(rd_kafka_new(type, conf.get(), errstr.data(), errstr.size()),
                KafkaDeleter{destroy_flags});
    if (!rk) {
        // The conf is still ours: `conf` destroys it.
        throw Error(ErrorKind::kInternal,
                    context.redact("cannot create kafka client: " + std::string(errstr.data())));
    }
    // rd_kafka_new took ownership of the conf.
    (void)conf.release();
    return rk;
}

std::optional<std::string> check_metadata(rd_kafka_t* rk,
                                          std::chrono::milliseconds timeout) noexcept {
    ClientContext* context = context_of(rk);
    const rd_kafka_metadata_t* raw = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, nullptr, &raw, to_ms(timeout));
    MetadataPtr metadata(raw);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // The request only timed out; why no broker answered is what an operator needs.
        if (context != nullptr) {
            if (std::string failure = context->security_failure(); !failure.empty()) return failure;
        }
        return std::string("kafka metadata request failed: ") + rd_kafka_err2str(err);
    }
    if (metadata == nullptr || metadata->broker_cnt == 0) {
        return std::string("kafka metadata lists no broker");
    }
    if (context != nullptr) context->clear_security_failure();
    return std::nullopt;
}

bool note_security_failure(rd_kafka_t* rk, ClientContext& context, rd_kafka_resp_err_t code,
                           const std::string& reason) noexcept {
    const SecurityFailure failure = classify_security_failure(rd_kafka_err2name(code), reason);
    if (failure == SecurityFailure::kNone) return false;
    const std::string message(describe(failure));
    const std::string detail = without_attempt_suffix(reason);
    context.set_security_failure(message + ": " + detail);
    // One line a minute for the process: every client (producers, consumer) and every broker
    // fails the same way, and librdkafka retries each every few seconds.
    static runtime::RateLimiter limiter(std::chrono::minutes(1));
    auto dropped = limiter.admit(message);
    if (!dropped) return true;
    nlohmann::json fields = {{"client", rd_kafka_name(rk)},
                             {"role", context.role},
                             {"error", rd_kafka_err2name(code)},
                             {"detail", detail},
                             {"retrying", true}};
    if (*dropped > 0) fields["suppressed"] = *dropped;
    log::error(message, fields);
    return true;
}

std::string fatal_reason(rd_kafka_t* rk) {
    std::array<char, 512> errstr{};
    if (rd_kafka_fatal_error(rk, errstr.data(), errstr.size()) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        return {};
    }
    const ClientContext* context = context_of(rk);
    return context != nullptr ? context->redact(errstr.data()) : std::string(errstr.data());
}

int to_ms(std::chrono::milliseconds duration) {
    if (duration.count() < 0) return 0;
    if (duration.count() > 0x7fffffff) return 0x7fffffff;
    return static_cast<int>(duration.count());
}

}  // namespace etp::bus::detail
