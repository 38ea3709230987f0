// Load tool of scripts/bench/e2e: fires an api trigger through the gateway at rising rates and
// receives its webhooks, measuring fire accepted → webhook received; and the PostgreSQL
// batched-insert reference. Results are tab-separated lines on stdout (the script turns them
// into markdown); progress goes to stderr.
//
//   e2e_load run --gateway URL --rates 1000,2000,... [--seconds 60] [--connections 12]
//                [--receiver-threads 32] [--settle 10] [--drain 120] [--p99-limit-ms 500]
//                [--keep-going 0|1]
//       The admin key comes from ETP_ADMIN_KEY. Creates the trigger, then one step per rate
//       until a step does not sustain its rate (with --keep-going 1, through every rate; a
//       step that fails first lets its backlog drain). Lines:
//         trigger  <id>  <target url>
//         step     <target/s> <seconds> <scheduled> <sent> <202s> <other answers> <no answer>
//                  <202/s> <webhooks/s> <p50 ms> <p99 ms> <max ms> <not received> <lag p99 ms>
//                  <lag max ms> <fire p50 ms> <fire p99 ms> <sustained 0|1> <why not>
//                  <first slot, Unix µs> <last answer, Unix µs>
//         error    <target/s> <first non-202 answer or transport error>
//         drain    <target/s> <seconds waited> <still not received>
//         receiver <webhooks> <repeats> <unreadable>
//   e2e_load insert-reference --database-url URL --table NAME [--seconds 15] [--batch 500]
//         reference <rows> <batches> <seconds> <rows/s> <batch p50 ms> <batch p99 ms>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"
#include "fire_load.hpp"
#include "insert_reference.hpp"
#include "receiver.hpp"

namespace etp::bench {
namespace {

using std::chrono::seconds;

struct Args {
    std::map<std::string, std::string> values;

    std::string text(const std::string& name, std::optional<std::string> fallback = {}) const {
        auto it = values.find(name);
        if (it != values.end()) return it->second;
        if (fallback) return *fallback;
        throw std::runtime_error("--" + name + " is required");
    }
    long number(const std::string& name, long fallback, long min, long max) const {
        auto it = values.find(name);
        if (it == values.end()) return fallback;
        char* end = nullptr;
        long v = std::strtol(it->second.c_str(), &end, 10);
        if (it->second.empty() || *end != '\0' || v < min || v > max)
            throw std::runtime_error("--" + name + " must be an integer in [" +
                                     std::to_string(min) + ", " + std::to_string(max) + "]");
        return v;
    }
};

Args parse_args(int argc, char** argv, int from) {
    Args args;
    for (int i = from; i < argc; i += 2) {
        std::string flag = argv[i];
        if (flag.rfind("--", 0) != 0 || i + 1 >= argc)
            throw std::runtime_error("expected --name value, got " + flag);
        args.values[flag.substr(2)] = argv[i + 1];
    }
    return args;
}

std::vector<double> parse_rates(const std::string& list) {
    std::vector<double> rates;
    std::size_t at = 0;
    while (at <= list.size()) {
        std::size_t comma = list.find(',', at);
        std::string item =
            list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        char* end = nullptr;
        double v = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0' || v <= 0 || v > 1e6)
            throw std::runtime_error("--rates must be a comma list of positive rates, got " + list);
        rates.push_back(v);
        if (comma == std::string::npos) break;
        at = comma + 1;
    }
    return rates;
}

double ms(std::int64_t us) { return static_cast<double>(us) / 1000.0; }

long long unix_us(SystemTime t) {
    return std::chrono::duration_cast<Micros>(t.time_since_epoch()).count();
}

std::string fixed(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

// One result line: tab-separated fields, flushed so that a later failure keeps it.
void print_line(const std::vector<std::string>& fields) {
    std::string line;
    for (const std::string& field : fields) {
        if (!line.empty()) line += '\t';
        line += field;
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

// Tabs and newlines would break the line format.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return text;
}

int run_steps(const Args& args) {
    const char* key = std::getenv("ETP_ADMIN_KEY");
    if (!key || !*key) throw std::runtime_error("ETP_ADMIN_KEY is not set");
    const std::string gateway = args.text("gateway");
    const std::vector<double> rates = parse_rates(args.text("rates"));
    const seconds duration{args.number("seconds", 60, 1, 3600)};
    const auto connections = static_cast<std::size_t>(args.number("connections", 12, 1, 256));
    const auto receiver_threads =
        static_cast<std::size_t>(args.number("receiver-threads", 32, 1, 1024));
    const seconds settle{args.number("settle", 10, 0, 3600)};
    const seconds drain{args.number("drain", 120, 0, 3600)};
    const std::int64_t p99_limit_us = args.number("p99-limit-ms", 500, 1, 3600000) * 1000;
    const bool keep_going = args.number("keep-going", 0, 0, 1) == 1;
    const std::int64_t triggers = args.number("triggers", 8, 1, 1000);

    Receiver receiver(receiver_threads);
    const int port = receiver.start();
    const std::string target = "http://127.0.0.1:" + std::to_string(port) + "/hook";
    const std::string name =
        "bench e2e " + std::to_string(std::chrono::duration_cast<seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
    // Several triggers, as a platform serves: their firings spread over the topic's partitions.
    std::vector<std::string> trigger_ids;
    for (std::int64_t i = 0; i < triggers; ++i) {
        trigger_ids.push_back(
            create_trigger(gateway, key, name + " #" + std::to_string(i + 1), target));
        print_line({"trigger", trigger_ids.back(), target});
    }
    note("%zu triggers (\"%s #n\") deliver to %s", trigger_ids.size(), name.c_str(),
         target.c_str());

    FireLoad load(FireSettings{gateway, key, trigger_ids, R"({"amount":12.5,"currency":"EUR"})",
                               connections});
    for (double rate : rates) {
        note("step %.0f/s: firing for %lld s over %zu connections", rate,
             static_cast<long long>(duration.count()), connections);
        std::uint64_t received_before = receiver.counts().unique;
        FireStep step = load.run(rate, duration);
        std::uint64_t received_during = receiver.counts().unique - received_before;

        // Wait for the step's webhooks, at most `settle` after its last fire was answered.
        const SystemTime deadline = step.ended + settle;
        std::vector<Uuid> pending = step.event_ids;
        for (;;) {
            receiver.drop_arrived(pending);
            if (pending.empty() || std::chrono::system_clock::now() >= deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::vector<std::int64_t> latencies;
        latencies.reserve(step.event_ids.size());
        std::uint64_t missing = 0;
        for (const auto& arrival : receiver.find(step.event_ids)) {
            if (arrival && arrival->received <= deadline) {
                latencies.push_back(arrival->latency_us);
            } else {
                ++missing;
            }
        }
        const double secs = static_cast<double>(duration.count());
        const double achieved = static_cast<double>(step.accepted) / secs;
        const std::int64_t p50 = quantile(latencies, 0.50);
        const std::int64_t p99 = quantile(latencies, 0.99);
        const std::int64_t max = latencies.empty() ? 0 : latencies.back();
        std::string why;
        if (achieved < 0.95 * rate) why += "202s below 95% of the target; ";
        if (missing > 0) why += "webhooks missing; ";
        if (latencies.empty() || p99 > p99_limit_us) why += "p99 above the limit; ";
        if (!why.empty()) why.resize(why.size() - 2);
        const bool sustained = why.empty();

        print_line({"step",
                    fixed(rate, 0),
                    std::to_string(duration.count()),
                    std::to_string(step.scheduled),
                    std::to_string(step.sent),
                    std::to_string(step.accepted),
                    std::to_string(step.refused),
                    std::to_string(step.failed),
                    fixed(achieved, 0),
                    fixed(static_cast<double>(received_during) / secs, 0),
                    fixed(ms(p50), 1),
                    fixed(ms(p99), 1),
                    fixed(ms(max), 1),
                    std::to_string(missing),
                    fixed(ms(step.lag_p99_us), 1),
                    fixed(ms(step.lag_max_us), 1),
                    fixed(ms(step.request_p50_us), 2),
                    fixed(ms(step.request_p99_us), 2),
                    sustained ? "1" : "0",
                    why.empty() ? "-" : why,
                    std::to_string(unix_us(step.started)),
                    std::to_string(unix_us(step.ended))});
        if (!step.first_error.empty())
            print_line({"error", fixed(rate, 0), one_line(step.first_error)});
        note(
            "step %.0f/s: %.0f fires/s accepted (%llu other answers, %llu failed), "
            "%.0f webhooks/s, latency p50 %.1f ms p99 %.1f ms max %.1f ms, %llu not received "
            "within %lld s; %s",
            rate, achieved, static_cast<unsigned long long>(step.refused),
            static_cast<unsigned long long>(step.failed),
            static_cast<double>(received_during) / secs, ms(p50), ms(p99), ms(max),
            static_cast<unsigned long long>(missing), static_cast<long long>(settle.count()),
            sustained ? "sustained" : ("not sustained: " + why).c_str());
        if (!step.first_error.empty()) note("first error: %s", one_line(step.first_error).c_str());

        if (!sustained) {
            // Let the backlog drain (bounded) so the platform is left idle, and say how much
            // of it never came.
            auto drain_start = std::chrono::steady_clock::now();
            auto drain_end = drain_start + drain;
            if (!pending.empty())
                note("waiting up to %lld s for %zu webhooks", static_cast<long long>(drain.count()),
                     pending.size());
            while (!pending.empty() && std::chrono::steady_clock::now() < drain_end) {
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
                receiver.drop_arrived(pending);
            }
            double waited =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start)
                    .count();
            print_line({"drain", fixed(rate, 0), fixed(waited, 0), std::to_string(pending.size())});
            if (!pending.empty())
                note("%zu webhooks of the %.0f/s step still not received after %.0f s",
                     pending.size(), rate, waited);
            if (!keep_going) break;
        }
        receiver.forget(step.event_ids);
    }
    ReceiverCounts counts = receiver.counts();
    print_line({"receiver", std::to_string(counts.unique), std::to_string(counts.repeats),
                std::to_string(counts.malformed)});
    receiver.stop();
    return 0;
}

int insert_reference(const Args& args) {
    InsertReference ref =
        measure_inserts(args.text("database-url"), args.text("table"),
                        static_cast<std::size_t>(args.number("batch", 500, 1, 100000)),
                        seconds{args.number("seconds", 15, 1, 3600)});
    double rate = ref.seconds > 0 ? static_cast<double>(ref.rows) / ref.seconds : 0;
    print_line({"reference", std::to_string(ref.rows), std::to_string(ref.batches),
                fixed(ref.seconds, 1), fixed(rate, 0), fixed(ms(ref.batch_p50_us), 1),
                fixed(ms(ref.batch_p99_us), 1)});
    return 0;
}

}  // namespace
}  // namespace etp::bench

int main(int argc, char** argv) {
    using namespace etp::bench;
    if (argc < 2) {
        std::fprintf(stderr, "usage: e2e_load run|insert-reference --name value ...\n");
        return 2;
    }
    try {
        std::string command = argv[1];
        Args args = parse_args(argc, argv, 2);
        if (command == "run") return run_steps(args);
        if (command == "insert-reference") return insert_reference(args);
        std::fprintf(stderr, "e2e_load: unknown command %s\n", command.c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "e2e_load: %s\n", e.what());
        return 1;
    }
}
