#include "etp/domain/schedule_plan.hpp"

#include <date/tz.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <memory>
#include <string>

#include "etp/domain/cron.hpp"
#include "etp/domain/error.hpp"

namespace etp {

namespace {

using std::chrono::microseconds;

constexpr microseconds kTick{1};

// The instant just before `t` (saturating, so first_at_or_after(min) does not overflow).
Timestamp just_before(Timestamp t) { return t == Timestamp::min() ? t : t - kTick; }

const date::time_zone* locate_zone_or_throw(const std::string& name) {
    try {
        const date::time_zone* zone = date::locate_zone(name);
        if (zone != nullptr) return zone;
    } catch (const std::exception&) {
        // Falls through to the error below: an unknown name is the caller's mistake.
    }
    throw Error(ErrorKind::kInvalidInput, "schedule: unknown time zone '" + name + "'");
}

// The latest `n` slots in [lo, now] (fewer when there are fewer), oldest first. Looks back from
// `now` over a window that doubles until it holds `n` slots, so its cost follows `n`, not the
// length of the outage.
std::deque<Timestamp> latest_slots(const SchedulePlan& plan, Timestamp lo, Timestamp now,
                                   std::size_t n) {
    std::deque<Timestamp> out;
    microseconds window = std::chrono::seconds(1);
    for (;;) {
        const bool whole = now - lo <= window;
        const Timestamp start = whole ? lo : now - window;
        out.clear();
        for (auto s = plan.first_at_or_after(start); s && *s <= now; s = plan.next_after(*s)) {
            out.push_back(*s);
            if (out.size() > n) out.pop_front();
        }
        if (out.size() >= n || whole) return out;
        window *= 2;
    }
}

}  // namespace

struct SchedulePlan::Impl {
    enum class Kind { kCron, kInterval, kAt };

    Kind kind = Kind::kAt;
    std::optional<CronExpr> cron;
    const date::time_zone* zone = nullptr;
    microseconds interval{0};
    Timestamp at;
    Timestamp anchor;
    std::optional<Timestamp> start_at;
    std::optional<Timestamp> end_at;
    bool recurring = true;
    // Set for `at` and non-recurring schedules: their one slot (or none, when out of bounds).
    bool single = false;
    std::optional<Timestamp> only;

    bool within_end(Timestamp t) const { return !end_at || t <= *end_at; }

    // The first slot strictly after `after` of the recurring series, honouring start_at/end_at.
    std::optional<Timestamp> series_next_after(Timestamp after) const {
        switch (kind) {
            case Kind::kCron: {
                // Continue from just before start_at, so a slot exactly at start_at counts.
                if (start_at) after = std::max(after, just_before(*start_at));
                auto slot = cron->next_after(std::chrono::floor<std::chrono::seconds>(after), zone);
                if (!slot) return std::nullopt;
                const Timestamp t = *slot;
                return within_end(t) ? std::optional<Timestamp>(t) : std::nullopt;
            }
            case Kind::kInterval: {
                // The anchor is start_at when there is one, so slots never precede start_at.
                Timestamp t = anchor;
                if (after >= anchor) {
                    const std::int64_t step = interval.count();
                    const std::int64_t k = (after - anchor).count() / step + 1;
                    const std::int64_t room = Timestamp::max().time_since_epoch().count() -
                                              anchor.time_since_epoch().count();
                    if (k > room / step) return std::nullopt;
                    t = anchor + microseconds(k * step);
                }
                return within_end(t) ? std::optional<Timestamp>(t) : std::nullopt;
            }
            case Kind::kAt: {
                const bool in_bounds = (!start_at || at >= *start_at) && within_end(at);
                return in_bounds && at > after ? std::optional<Timestamp>(at) : std::nullopt;
            }
        }
        return std::nullopt;
    }
};

SchedulePlan::SchedulePlan(const Schedule& schedule, Timestamp anchor) {
    auto impl = std::make_shared<Impl>();
    const int kinds = static_cast<int>(schedule.cron.has_value()) +
                      static_cast<int>(schedule.interval_seconds.has_value()) +
                      static_cast<int>(schedule.at.has_value());
    if (kinds != 1) {
        throw Error(ErrorKind::kInvalidInput,
                    "schedule: exactly one of cron, interval_seconds and at must be set");
    }
    impl->start_at = schedule.start_at;
    impl->end_at = schedule.end_at;
    // The header's rule: the anchor is start_at or, without one, the creation time passed in.
    impl->anchor = schedule.start_at.value_or(anchor);
    impl->recurring = schedule.recurring;
    if (schedule.cron) {
        impl->kind = Impl::Kind::kCron;
        impl->cron = CronExpr::parse(*schedule.cron);
        impl->zone = locate_zone_or_throw(schedule.timezone);
    } else if (schedule.interval_seconds) {
        if (*schedule.interval_seconds <= 0) {
            throw Error(ErrorKind::kInvalidInput, "schedule: interval_seconds must be positive");
        }
        if (*schedule.interval_seconds > std::numeric_limits<std::int64_t>::max() / 1'000'000) {
            throw Error(ErrorKind::kInvalidInput, "schedule: interval_seconds is too large");
        }
        impl->kind = Impl::Kind::kInterval;
        impl->interval = std::chrono::seconds(*schedule.interval_seconds);
    } else {
        impl->kind = Impl::Kind::kAt;
        impl->at = *schedule.at;
        impl->recurring = false;
    }
    if (!impl->recurring) {
        // The first slot at or after the anchor (`at`: its instant, whatever the anchor).
        const Timestamp from =
            impl->kind == Impl::Kind::kAt ? Timestamp::min() : just_before(impl->anchor);
        impl->only = impl->series_next_after(from);
        impl->single = true;
    }
    impl_ = std::move(impl);
}

std::optional<Timestamp> SchedulePlan::next_after(Timestamp after) const {
    if (impl_->single) {
        if (impl_->only && *impl_->only > after) return impl_->only;
        return std::nullopt;
    }
    return impl_->series_next_after(after);
}

std::optional<Timestamp> SchedulePlan::first_at_or_after(Timestamp at) const {
    if (at == Timestamp::min()) return next_after(at);  // nothing precedes min
    return next_after(just_before(at));
}

bool SchedulePlan::recurring() const noexcept { return impl_->recurring; }

DueSlots due_slots(const SchedulePlan& plan, Misfire policy, Timestamp first_due, Timestamp now,
                   std::chrono::milliseconds grace, std::size_t max_fire_all,
                   std::size_t max_count) {
    DueSlots out;
    if (first_due > now) {
        out.next = first_due;
        return out;
    }
    out.misfired = first_due < now - std::chrono::duration_cast<microseconds>(grace);

    // How many of the latest due slots fire.
    std::size_t limit = max_count;
    if (out.misfired) {
        switch (policy) {
            case Misfire::kFireOnce:
                limit = 1;
                break;
            case Misfire::kSkip:
                limit = 0;
                break;
            case Misfire::kFireAll:
                limit = max_fire_all;
                break;
        }
    }
    limit = std::min(limit, max_count);

    // Count the due slots (up to max_count), keeping the latest `limit` of them.
    std::deque<Timestamp> latest;
    std::size_t count = 0;
    std::optional<Timestamp> slot = first_due;
    while (slot && *slot <= now && count < max_count) {
        ++count;
        if (limit > 0) {
            latest.push_back(*slot);
            if (latest.size() > limit) latest.pop_front();
        }
        slot = plan.next_after(*slot);
    }
    const bool capped = slot && *slot <= now;
    if (capped && limit > 0) latest = latest_slots(plan, first_due, now, limit);

    out.fire.assign(latest.begin(), latest.end());
    out.skipped = static_cast<std::int64_t>(count) - static_cast<std::int64_t>(out.fire.size());
    // Uncapped, `slot` is already the first slot after now (or none left).
    out.next = capped ? plan.next_after(now) : slot;
    return out;
}

}  // namespace etp
