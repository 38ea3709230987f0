#include "delivery_job.hpp"

#include <algorithm>
#include <random>

#include "etp/bus/event_message.hpp"
#include "etp/domain/delivery_policy.hpp"
#include "webhook_sender.hpp"

namespace etp::dispatcher {

void set_body(DeliveryJob& job,
              std::map<EventId, std::shared_ptr<const std::string>>& cloudevents) {
    if (job.settings->target.body.format == BodyFormat::kCloudEvent) {
        auto& body = cloudevents[job.event->id];
        if (!body)
            body = std::make_shared<const std::string>(bus::serialize_logged_event(*job.event));
        job.body = body;
        return;
    }
    try {
        job.body =
            std::make_shared<const std::string>(webhook_body(*job.event, job.settings->target));
    } catch (const std::exception& e) {
        job.body_error = std::string("body not built: ") + e.what();
    }
}

FinishedAttempt finish_attempt(const DeliveryJob& job, Timestamp started,
                               const net::ClientResponse& http, bool give_up) {
    FinishedAttempt f;
    f.event = job.event;
    f.target_url = job.settings->target.url;
    pg::AttemptOutcome& o = f.outcome;
    o.key = job.key;
    o.triggered_at = job.event->triggered_at;
    o.attempt = job.attempts_done + 1;
    o.started_at = started;
    o.latency_ms = http.elapsed.count();
    if (!http.body_head.empty() || http.status) o.response_body = storable(http.body_head);
    webhook::Verdict verdict = webhook::Verdict::kRetry;
    if (http.status) {
        o.http_status = *http.status;
        verdict = webhook::classify_status(*http.status);
        if (verdict != webhook::Verdict::kSucceeded)
            o.error = "HTTP " + std::to_string(*http.status);
    } else {
        o.error = http.error;
    }
    if (give_up) verdict = webhook::Verdict::kGiveUp;
    const RetryPolicy& retry = job.settings->retry;
    if (verdict == webhook::Verdict::kSucceeded) {
        o.status = "succeeded";
    } else if (verdict == webhook::Verdict::kGiveUp || o.attempt >= retry.max_attempts) {
        o.status = "dead";
    } else {
        thread_local std::mt19937_64 random{std::random_device{}()};
        double draw = std::uniform_real_distribution<double>(0.0, 1.0)(random);
        auto delay = webhook::backoff_delay(retry, o.attempt, draw);
        if (auto retry_after = http.header("Retry-After")) {
            // Honoured, up to webhook::kMaxRetryAfter (a day).
            if (auto after = webhook::parse_retry_after(*retry_after, now_utc()))
                delay = std::max<std::chrono::milliseconds>(delay, *after);
        }
        o.status = "pending";
        o.next_attempt_at = now_utc() + std::chrono::duration_cast<Timestamp::duration>(delay);
    }
    return f;
}

TraceContext trace_of_event(const Event& event) {
    return event.trace ? *event.trace : trace_for_event(event.id);
}

}  // namespace etp::dispatcher
