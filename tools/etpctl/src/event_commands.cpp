// etpctl events ...: /api/v1/events, one event with its deliveries, redeliver, archive, and a
// tail that polls the list.

#include <chrono>
#include <thread>

#include "command_support.hpp"
#include "commands.hpp"
#include "event_tail.hpp"
#include "table.hpp"

namespace etp::ctl {
namespace {

using namespace std::chrono_literals;

// Events logged more than this after they fired are not seen by tail --follow.
constexpr std::chrono::seconds kTailLookback = 60s;
// At most this many pages of 500 per poll (a burst beyond waits for the next poll).
constexpr int kTailMaxPagesPerPoll = 20;

std::string event_path(const std::string& id) { return "/api/v1/events/" + segment(id); }

nlohmann::json field(const nlohmann::json& object, const char* name) {
    return object.is_object() && object.contains(name) ? object[name] : nlohmann::json();
}

std::vector<std::string> event_row(const nlohmann::json& e) {
    const auto trigger = field(e, "trigger");
    return {cell_text(field(e, "id")),          cell_text(field(trigger, "name")),
            cell_text(field(trigger, "type")),  cell_text(field(e, "source")),
            cell_text(field(e, "is_test")),     cell_text(field(e, "status")),
            cell_text(field(e, "triggered_at"))};
}

Table event_table() {
    return Table({"ID", "TRIGGER", "TYPE", "SOURCE", "TEST", "STATUS", "TRIGGERED_AT"});
}

// The filters list and tail share.
Query event_filters(const ParsedCommandLine& line) {
    Query query;
    add_option_query(
        query, line,
        {{"trigger", "trigger_id"}, {"status", "status"}, {"type", "type"}, {"source", "source"}});
    add_switch_query(query, line, "show-test", "show_test");
    add_option_query(query, line, {{"payload-contains", "payload_contains"}});
    return query;
}

std::vector<OptionSpec> filter_options() {
    return {{"trigger", 0, "ID", "only events of this trigger"},
            {"status", 0, "STATUS", "active (default), archived or all"},
            {"type", 0, "TYPE", "only events of triggers of this type"},
            {"source", 0, "SOURCE", "only events fired this way: api, schedule, cdc or test"},
            {"show-test", 0, "", "include test firings"},
            {"payload-contains", 0, "JSON", "only events whose payload contains this object"}};
}

int list_events(Invocation& inv) {
    Query query = event_filters(inv.line);
    add_option_query(
        query, inv.line,
        {{"since", "since"}, {"until", "until"}, {"cursor", "cursor"}, {"page-size", "page_size"}});
    const auto reply = inv.gateway().send({"GET", "/api/v1/events", query});
    if (inv.json()) {
        print_json(inv.out, reply.body);
        return kExitOk;
    }
    auto table = event_table();
    for (const auto& e : reply.body.value("items", nlohmann::json::array())) {
        table.add_row(event_row(e));
    }
    table.print(inv.out);
    const auto cursor = field(reply.body, "next_cursor");
    if (reply.body.value("has_more", false) && cursor.is_string()) {
        inv.err << "more: --cursor " << cursor.get<std::string>() << "\n";
    }
    return kExitOk;
}

int get_event(Invocation& inv) {
    const auto event = inv.gateway().send({"GET", event_path(inv.arg(0))}).body;
    if (inv.json()) {
        print_json(inv.out, event);
        return kExitOk;
    }
    auto shown = event;
    shown.erase("deliveries");
    print_object(inv.out, shown,
                 {"id", "trigger", "source", "is_test", "status", "payload", "scheduled_for",
                  "triggered_at", "logged_at", "archived_at"});
    const auto deliveries = field(event, "deliveries");
    if (deliveries.is_array() && !deliveries.empty()) {
        inv.out << "\n";
        Table table({"DELIVERY", "STATUS", "ATTEMPTS", "LAST_HTTP_STATUS", "NEXT_ATTEMPT_AT",
                     "LAST_ERROR"});
        for (const auto& d : deliveries) {
            const auto attempts = field(d, "attempts");
            const auto last =
                attempts.is_array() && !attempts.empty() ? attempts.back() : nlohmann::json();
            table.add_row(
                {cell_text(field(d, "number")), cell_text(field(d, "status")),
                 cell_text(field(d, "attempt_count")), cell_text(field(last, "http_status")),
                 cell_text(field(d, "next_attempt_at")), cell_text(field(d, "last_error"))});
        }
        table.print(inv.out);
    }
    return kExitOk;
}

int redeliver_event(Invocation& inv) {
    const auto body = inv.gateway().send({"POST", event_path(inv.arg(0)) + "/redeliver"}).body;
    if (inv.json()) {
        print_json(inv.out, body);
    } else {
        inv.out << "event " << inv.arg(0) << ": delivery " << cell_text(field(body, "delivery"))
                << " queued\n";
    }
    return kExitOk;
}

int archive_event(Invocation& inv) {
    const auto body = inv.gateway().send({"POST", event_path(inv.arg(0)) + "/archive"}).body;
    if (inv.json()) {
        print_json(inv.out, body);
    } else {
        inv.out << "event " << inv.arg(0) << ": " << cell_text(field(body, "status")) << " since "
                << cell_text(field(body, "archived_at")) << "\n";
    }
    return kExitOk;
}

void print_tailed(const Invocation& inv, const std::vector<nlohmann::json>& events) {
    for (const auto& e : events) {
        if (inv.json()) {
            inv.out << e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
            continue;
        }
        const auto trigger = field(e, "trigger");
        inv.out << cell_text(field(e, "triggered_at")) << "  " << cell_text(field(e, "id")) << "  "
                << cell_text(field(trigger, "name")) << "  " << cell_text(field(e, "source"))
                << "  " << cell_text(field(e, "payload")) << "\n";
    }
    inv.out.flush();
}

std::chrono::milliseconds tail_interval(const ParsedCommandLine& line) {
    auto text = line.value("interval");
    if (!text) return 1s;
    try {
        std::size_t used = 0;
        const double seconds = std::stod(*text, &used);
        if (used == text->size() && seconds >= 0.1 && seconds <= 3600) {
            return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
        }
    } catch (const std::exception&) {
    }
    throw UsageError("--interval " + *text + ": seconds from 0.1 to 3600");
}

int tail_count(const ParsedCommandLine& line) {
    auto text = line.value("lines");
    if (!text) return 10;
    try {
        std::size_t used = 0;
        const int n = std::stoi(*text, &used);
        if (used == text->size() && n >= 0 && n <= 500) return n;
    } catch (const std::exception&) {
    }
    throw UsageError("-n " + *text + ": a number of events from 0 to 500");
}

int tail_events(Invocation& inv) {
    const auto interval = tail_interval(inv.line);
    const int count = tail_count(inv.line);
    const auto gateway = inv.gateway();
    const auto filters = event_filters(inv.line);
    EventTail tail(kTailLookback, now_utc());

    if (count > 0) {
        Query query = filters;
        query.emplace_back("page_size", std::to_string(count));
        const auto reply = gateway.send({"GET", "/api/v1/events", query});
        std::vector<nlohmann::json> page;
        for (const auto& e : reply.body.value("items", nlohmann::json::array())) page.push_back(e);
        print_tailed(inv, tail.take_new(page));
    }
    if (!inv.line.has("follow")) return kExitOk;

    while (!inv.stop_requested()) {
        for (auto waited = 0ms; waited < interval && !inv.stop_requested(); waited += 100ms) {
            std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(100ms, interval));
        }
        if (inv.stop_requested()) break;
        std::vector<nlohmann::json> events;
        try {
            Query query = filters;
            query.emplace_back("since", format_rfc3339(tail.since()));
            query.emplace_back("page_size", "500");
            for (int pages = 0; pages < kTailMaxPagesPerPoll; ++pages) {
                const auto reply = gateway.send({"GET", "/api/v1/events", query});
                for (const auto& e : reply.body.value("items", nlohmann::json::array())) {
                    events.push_back(e);
                }
                const auto cursor = field(reply.body, "next_cursor");
                if (!reply.body.value("has_more", false) || !cursor.is_string()) break;
                query.erase(std::remove_if(query.begin(), query.end(),
                                           [](const auto& p) { return p.first == "cursor"; }),
                            query.end());
                query.emplace_back("cursor", cursor.get<std::string>());
            }
        } catch (const CommandFailed& e) {
            if (inv.stop_requested()) break;
            // A gateway restarting or overloaded: say so and keep following. A refusal (4xx)
            // will not change by waiting.
            if (!e.retryable()) throw;
            inv.err << "etpctl: " << e.what() << " (retrying)\n";
            continue;
        }
        print_tailed(inv, tail.take_new(events));
    }
    return kExitOk;
}

}  // namespace

void add_event_commands(CommandTable& table) {
    table.groups.push_back({"events",
                            "The event log: list, one event with its webhook "
                            "deliveries, follow new events, redeliver, archive."});
    auto list_options = filter_options();
    list_options.push_back(
        {"since", 0, "TIME", "only events fired at or after this RFC 3339 time"});
    list_options.push_back({"until", 0, "TIME", "only events fired before this RFC 3339 time"});
    list_options.push_back({"page-size", 0, "N", "events per page (1 to 500, default 100)"});
    list_options.push_back({"cursor", 0, "CURSOR", "the next page (printed after a full one)"});
    table.commands.push_back(
        {"events", "list", "", 0, 0, "List events, newest first",
         "One page; a full page prints the --cursor of the next on stderr. Example:\n"
         "  etpctl events list --trigger 01936b2e-... --status all --page-size 20",
         list_options, list_events});
    table.commands.push_back({"events",
                              "get",
                              "ID",
                              1,
                              1,
                              "Show an event and its webhook deliveries",
                              "Example:\n  etpctl events get 01936b30-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
                              {},
                              get_event});
    auto tail_options = filter_options();
    tail_options.push_back({"follow", 'f', "", "keep printing new events until Ctrl-C"});
    tail_options.push_back({"lines", 'n', "N", "print the newest N events first (default 10)"});
    tail_options.push_back({"interval", 0, "SECONDS", "how often --follow asks (default 1)"});
    table.commands.push_back(
        {"events", "tail", "", 0, 0, "Print the newest events, and with --follow new ones",
         "Oldest first, one line each (-o json: one JSON object per line). --follow polls the\n"
         "event list every --interval and prints each event once, until Ctrl-C (exit 0); an\n"
         "event logged more than 60 s after it fired is not shown. Example:\n"
         "  etpctl events tail --follow --trigger 01936b2e-...",
         tail_options, tail_events});
    table.commands.push_back({"events",
                              "redeliver",
                              "ID",
                              1,
                              1,
                              "Deliver an event to its trigger's target again",
                              "Example:\n  etpctl events redeliver 01936b30-...",
                              {},
                              redeliver_event});
    table.commands.push_back({"events",
                              "archive",
                              "ID",
                              1,
                              1,
                              "Archive an event now",
                              "Example:\n  etpctl events archive 01936b30-...",
                              {},
                              archive_event});
}

}  // namespace etp::ctl
