#include "capture_loop.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <variant>

#include "cdc_metrics.hpp"
#include "etp/bus/firing.hpp"
#include "etp/domain/firing.hpp"
#include "etp/pg/error.hpp"
#include "etp/runtime/log.hpp"

namespace etp::cdc_capture {
namespace {

namespace po = pg::pgoutput;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kHeartbeatPrefix = "etp.heartbeat";

double seconds_since(Timestamp t) { return std::chrono::duration<double>(now_utc() - t).count(); }

service::WorkerOptions worker_options(const CaptureOptions& options) {
    service::WorkerOptions o;
    o.name = "change capture";
    o.backoff_min = options.retry_backoff;
    o.backoff_max = options.retry_backoff;
    o.unhealthy_after = 0;  // check() says when capture keeps failing
    o.failure_log = "change capture interrupted; resuming from the confirmed position";
    // A short outage (a source restart) is not a problem yet.
    o.failure_level = log::Level::kWarn;
    return o;
}

}  // namespace

// One source transaction's messages in flight. `pending` is counted down by the producer's
// delivery thread; the rest is the loop thread's.
struct CaptureLoop::Transaction {
    Timestamp commit_time;
    pg::Lsn end_lsn = 0;
    std::atomic<std::size_t> pending{0};  // produced, not yet acknowledged
    bool committed = false;               // its Commit was seen
    bool snapshot = false;                // a table's snapshot rows, not a source transaction
};

// The acknowledgement bookkeeping of one session, shared with the producer's delivery
// callbacks (which may outlive the session, and the loop). Counters are atomic, so an
// acknowledgement takes no lock; the mutex only pairs with the condition variable (a waiting
// loop thread is woken) and guards `failure`.
struct CaptureLoop::Tracker {
    std::atomic<std::size_t> in_flight{0};
    std::atomic<bool> waiting{false};  // the loop thread waits for acknowledgements
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::condition_variable acked;
    std::optional<std::string> failure;  // the first delivery error: the session must end

    // Waits (bounded) until `done()`, a failure or the timeout.
    template <typename Done>
    void wait(std::chrono::milliseconds timeout, Done done) {
        waiting = true;
        std::unique_lock lock(mutex);
        acked.wait_for(lock, timeout, [&] { return done() || failed.load(); });
        waiting = false;
    }
    void throw_if_failed() {
        if (!failed) return;
        std::lock_guard lock(mutex);
        throw Error(ErrorKind::kUnavailable, failure.value_or("delivery failed"));
    }
};

std::string table_topic(const std::string& prefix, const std::string& table) {
    std::string topic = prefix + "." + table;
    for (char& c : topic) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!allowed) c = '_';
    }
    return topic;
}

CaptureLoop::CaptureLoop(CaptureOptions options, const CdcTriggerSet& triggers,
                         bus::Producer& producer, const bus::Topics& topics)
    : Worker(worker_options(options)),
      options_(std::move(options)),
      triggers_(triggers),
      producer_(producer),
      topics_(topics) {}

CaptureLoop::~CaptureLoop() { stop(); }

std::optional<std::string> CaptureLoop::check() const {
    if (auto problem = Worker::check()) return problem;
    std::lock_guard lock(problem_mutex_);
    return problem_;
}

void CaptureLoop::set_problem(std::optional<std::string> problem) {
    std::lock_guard lock(problem_mutex_);
    problem_ = std::move(problem);
    problem_is_failing_ = false;
}

void CaptureLoop::source_answers() {
    note_progress();
    std::lock_guard lock(problem_mutex_);
    if (!problem_is_failing_) return;
    problem_.reset();
    problem_is_failing_ = false;
    log::info("change capture reaches the source database again", {{"slot", options_.slot}});
}

std::chrono::milliseconds CaptureLoop::step(std::size_t /*thread*/) {
    try {
        session();
    } catch (...) {
        end_session();
        throw;
    }
    end_session();
    return options_.retry_backoff;
}

std::chrono::milliseconds CaptureLoop::on_failure(const std::exception& error,
                                                  std::chrono::milliseconds backoff) {
    metrics().stream_failures.Increment();
    // A short outage (a source restart) is not a problem yet; a lasting one is.
    if (consecutive_failures() >= 5 && !check()) {
        set_problem(std::string("change capture keeps failing: ") + error.what());
        std::lock_guard lock(problem_mutex_);
        problem_is_failing_ = true;
    }
    return backoff;
}

nlohmann::json CaptureLoop::failure_fields() const {
    return {{"confirmed_lsn", pg::format_lsn(ever_confirmed_)}};
}

void CaptureLoop::end_session() noexcept {
    stream_.reset();
    source_.reset();
    tracker_.reset();
    transactions_.clear();
    txn_.reset();
    relations_.clear();
    leader_ = false;
    metrics().leader.Set(0);
}

bool CaptureLoop::wait_for_lock(pg::Connection& source) {
    bool logged = false;
    while (!stopping()) {
        auto r = source.exec("SELECT pg_try_advisory_lock(hashtext($1)) AS locked",
                             {"etp.cdc-capture/" + options_.slot});
        if (r.boolean(0, "locked")) return true;
        source_answers();
        if (!logged) {
            log::info("another cdc-capture streams this slot; waiting to take over",
                      {{"slot", options_.slot}});
            logged = true;
        }
        if (!pause(std::chrono::seconds(1))) return false;
    }
    return false;
}

void CaptureLoop::session() {
    source_ = std::make_unique<pg::Connection>(options_.source_url);
    if (!wait_for_lock(*source_)) return;

    pg::ReplicationOptions ro;
    ro.url = options_.source_url;
    ro.slot = options_.slot;
    ro.publication = options_.publication;
    ro.status_interval = options_.status_interval;
    stream_ = std::make_unique<pg::ReplicationStream>(ro);
    // Before the publication changes: tables it gains from now on are snapshotted.
    if (options_.snapshots) options_.snapshots->load(*source_, options_.slot);
    if (options_.before_streaming) options_.before_streaming(*source_);

    auto slot = source_->exec(
        "SELECT coalesce(wal_status, '') AS wal_status FROM pg_replication_slots "
        "WHERE slot_name = $1",
        {options_.slot});
    if (slot.rows() == 0 && ever_confirmed_ != 0) {
        const std::string problem = "replication slot " + options_.slot +
                                    " disappeared after confirming " +
                                    pg::format_lsn(ever_confirmed_) +
                                    "; changes since then may be lost. Restart cdc-capture to "
                                    "create a new slot and capture from now on.";
        log::error("replication slot lost", {{"slot", options_.slot}, {"problem", problem}});
        set_problem(problem);
        throw Error(ErrorKind::kUnavailable, problem);
    }
    if (slot.rows() > 0 && slot.text(0, "wal_status") == "lost") {
        const std::string problem = "replication slot " + options_.slot +
                                    " is invalidated (wal_status lost: the WAL it needed was "
                                    "removed, see max_slot_wal_keep_size); changes are lost. "
                                    "Drop the slot and restart cdc-capture to capture from now on.";
        log::error("replication slot invalidated", {{"slot", options_.slot}, {"problem", problem}});
        set_problem(problem);
        throw Error(ErrorKind::kUnavailable, problem);
    }
    if (stream_->ensure_slot()) log::info("created replication slot", {{"slot", options_.slot}});
    // Everything before the slot's confirmed position was committed: the first transaction's
    // source.sequence starts there.
    auto confirmed = source_->exec(
        "SELECT coalesce(pg_wal_lsn_diff(confirmed_flush_lsn, '0/0'), 0)::bigint AS confirmed "
        "FROM pg_replication_slots WHERE slot_name = $1",
        {options_.slot});
    last_commit_lsn_ =
        confirmed.rows() > 0 ? static_cast<pg::Lsn>(confirmed.integer(0, "confirmed")) : 0;

    tracker_ = std::make_shared<Tracker>();
    stream_->start(0);
    leader_ = true;
    metrics().leader.Set(1);
    set_problem(std::nullopt);
    note_progress();
    next_heartbeat_ = Clock::now();
    log::info("streaming changes", {{"slot", options_.slot},
                                    {"publication", options_.publication},
                                    {"db", stream_->identity().dbname}});

    while (!stopping()) {
        tracker_->throw_if_failed();
        if (tracker_->in_flight >= options_.max_in_flight) {
            // Back-pressure: let Kafka catch up before reading more.
            tracker_->wait(std::chrono::milliseconds(100),
                           [this] { return tracker_->in_flight < options_.max_in_flight; });
            continue;
        }
        advance();
        if (Clock::now() >= next_heartbeat_) {
            heartbeat();
            next_heartbeat_ = Clock::now() + options_.heartbeat_interval;
        }
        if (options_.snapshots && Clock::now() >= next_snapshot_check_) {
            // Tables whose changes have not come by yet (an idle table is read now too).
            for (const auto& table : options_.snapshots->unrecorded(*source_))
                snapshot_table(table);
            next_snapshot_check_ = Clock::now() + std::chrono::seconds(1);
        }
        if (auto data = stream_->next(std::chrono::milliseconds(100))) handle(*data);
    }

    // Stopping: give what was produced time to be acknowledged, confirm it, say so.
    tracker_->wait(options_.stop_ack_wait, [this] { return tracker_->in_flight == 0; });
    advance();
    stream_->send_status();
}

void CaptureLoop::handle(const pg::XLogData& data) {
    auto message = po::decode(data.payload);
    if (auto* begin = std::get_if<po::Begin>(&message)) {
        txn_ = std::make_shared<Transaction>();
        txn_->commit_time = begin->commit_time;
        txn_commit_lsn_ = begin->final_lsn;
        txn_position_ = 0;
        txn_published_ = 0;
        txn_table_changes_.clear();
        txn_info_ = {stream_->identity().dbname, begin->xid, begin->commit_time, begin->final_lsn,
                     last_commit_lsn_};
        txn_triggers_ = triggers_.get();
        transactions_.push_back(txn_);
    } else if (auto* commit = std::get_if<po::Commit>(&message)) {
        if (!txn_) throw Error(ErrorKind::kInternal, "pgoutput: Commit without Begin");
        txn_->end_lsn = commit->end_lsn;
        txn_->committed = true;
        last_commit_lsn_ = commit->commit_lsn;
        txn_.reset();
        txn_triggers_.reset();
    } else if (auto* rel = std::get_if<po::Relation>(&message)) {
        remember_relation(std::move(*rel));
    } else if (auto* insert = std::get_if<po::Insert>(&message)) {
        publish(relation(insert->relation_id), insert_change(*insert), data.wal_start);
    } else if (auto* update = std::get_if<po::Update>(&message)) {
        publish(relation(update->relation_id), update_change(*update), data.wal_start);
    } else if (auto* del = std::get_if<po::Delete>(&message)) {
        publish(relation(del->relation_id), delete_change(*del), data.wal_start);
    } else if (auto* truncate = std::get_if<po::Truncate>(&message)) {
        for (auto id : truncate->relation_ids)
            publish(relation(id), truncate_change(), data.wal_start);
    } else if (auto* logical = std::get_if<po::LogicalMessage>(&message)) {
        // A heartbeat outside any transaction: when nothing is in flight, everything before it
        // is safe.
        if (!logical->transactional && logical->prefix == kHeartbeatPrefix && !txn_) {
            if (transactions_.empty()) stream_->confirm(logical->lsn);
        }
    }
    // Type and Origin messages carry nothing the envelope uses: values of types the platform
    // does not know stay strings.
}

const RelationInfo& CaptureLoop::relation(std::uint32_t id) const {
    auto it = relations_.find(id);
    if (it == relations_.end())
        throw Error(ErrorKind::kInternal,
                    "pgoutput: change for relation " + std::to_string(id) + " before its Relation");
    return it->second;
}

void CaptureLoop::remember_relation(po::Relation relation) {
    RelationInfo info;
    info.table = (relation.schema.empty() ? std::string("pg_catalog") : relation.schema) + "." +
                 relation.name;
    // The primary key, in key order, keys the Kafka messages; the replica identity flags are the
    // fallback (with REPLICA IDENTITY FULL every column is flagged, so they are no key then).
    auto pk = source_->exec(
        "SELECT a.attname FROM pg_index i "
        "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.ord",
        {std::to_string(relation.id)});
    for (int r = 0; r < pk.rows(); ++r)
        for (std::size_t c = 0; c < relation.columns.size(); ++c)
            if (relation.columns[c].name == pk.text(r, 0)) info.key_columns.push_back(c);
    if (info.key_columns.empty() && relation.replica_identity != 'f')
        for (std::size_t c = 0; c < relation.columns.size(); ++c)
            if (relation.columns[c].key) info.key_columns.push_back(c);
    info.relation = std::move(relation);
    const auto id = info.relation.id;
    relations_[id] = std::move(info);
}

void CaptureLoop::publish(const RelationInfo& rel, const RowChange& change, pg::Lsn change_lsn) {
    if (!txn_) throw Error(ErrorKind::kInternal, "pgoutput: change outside a transaction");
    const auto position = txn_position_++;
    bool in_snapshot = false;
    if (options_.snapshots) {
        // The table's rows go out before any change of it; what they contain is not repeated on
        // the topic. The change's triggers still fire: it happened while the table was captured,
        // and its snapshot row is a read, which fires only triggers that list read.
        if (!options_.snapshots->recorded(rel.table)) snapshot_table(rel.table);
        in_snapshot = options_.snapshots->contains(rel.table, txn_info_.xid, txn_commit_lsn_);
    }
    std::vector<const CdcTrigger*> fired;
    if (change.op != 't' && txn_triggers_) {
        if (const auto* candidates = txn_triggers_->for_table(rel.table)) {
            const auto document = filter_document(rel, change, txn_triggers_->needs_of(rel.table));
            for (const auto& trigger : *candidates)
                if (trigger.matches(change.op_name(), document)) fired.push_back(&trigger);
        }
    }
    // A truncate keeps its position (event ids of later changes stay as they were) but is
    // published only when asked for, as Debezium skips truncates by default.
    if (change.op == 't' && !options_.emit_truncate) return;
    if (in_snapshot && fired.empty()) return;
    // A change the topic skips takes no place in the transaction's order; its firings' payload
    // shows the place the next published change takes.
    ChangePosition at;
    at.lsn = change_lsn;
    at.total_order = txn_published_ + 1;
    at.data_collection_order = txn_table_changes_[rel.table] + 1;
    if (!in_snapshot) {
        ++txn_published_;
        ++txn_table_changes_[rel.table];
    }
    const auto now = now_utc();
    auto envelope = envelope_text(rel, change, txn_info_, at, now, options_.envelope);
    // The firings' payload is the envelope as a json value, always with friendly values (those
    // the filters matched); parsed only when something fired.
    nlohmann::json payload;
    if (!fired.empty()) payload = firing_payload(rel, change, txn_info_, at, now, envelope);
    if (!in_snapshot) {
        auto key = change_key(rel, change, options_.envelope.encoding);
        auto message = change_message(rel, change, std::move(envelope), key);
        const auto topic = message.topic;
        produce_tracked(std::move(message), true);
        if (change.op == 'd' && options_.tombstones && key) {
            // Lets a compacted topic drop the row: the same key, no value.
            bus::OutgoingMessage tombstone{topic, *key, std::nullopt, {{"etp-table", rel.table}}};
            produce_tracked(std::move(tombstone), true, false);
        }
    }
    for (const auto* trigger : fired) {
        const Event event =
            change_firing({trigger->id, trigger->name, TriggerType::kCdc}, payload,
                          {stream_->identity().system_id, txn_info_.db, txn_commit_lsn_, position},
                          txn_info_.commit_time);
        if (log::enabled(log::Level::kDebug))
            log::debug("event fired", {{"event_id", event.id.to_string()},
                                       {"trigger_id", event.trigger_id.to_string()},
                                       {"source", event.source},
                                       {"lsn", pg::format_lsn(change_lsn)},
                                       {"trace_id", event.trace->trace_id_hex()}});
        produce_tracked(bus::make_firing_message(topics_, event, "cdc-capture"), false);
    }
}

std::string CaptureLoop::topic_of(const RelationInfo& rel) {
    if (!options_.topic_per_table) return topics_.cdc_changes();
    auto it = table_topics_.find(rel.table);
    if (it != table_topics_.end()) return it->second;
    auto topic = table_topic(options_.topic_prefix, rel.table);
    if (options_.ensure_topic) options_.ensure_topic(topic);
    return table_topics_.emplace(rel.table, std::move(topic)).first->second;
}

bus::OutgoingMessage CaptureLoop::change_message(const RelationInfo& rel, const RowChange& change,
                                                 std::string envelope,
                                                 const std::optional<std::string>& key) {
    // A Debezium-style envelope, not a CloudEvent: its content type says so to header readers.
    bus::OutgoingMessage message{topic_of(rel),
                                 key.value_or(""),
                                 std::move(envelope),
                                 {{"content-type", "application/json"},
                                  {"etp-table", rel.table},
                                  {"etp-op", std::string(change.op_name())}}};
    message.null_key = !key;
    return message;
}

nlohmann::json CaptureLoop::firing_payload(const RelationInfo& rel, const RowChange& change,
                                           const TransactionInfo& txn, const ChangePosition& at,
                                           Timestamp now, const std::string& envelope) const {
    if (options_.envelope.encoding == ValueEncoding::kFriendly)
        return nlohmann::json::parse(envelope);
    auto friendly = options_.envelope;
    friendly.encoding = ValueEncoding::kFriendly;
    return nlohmann::json::parse(envelope_text(rel, change, txn, at, now, friendly));
}

void CaptureLoop::produce_tracked(bus::OutgoingMessage message, bool is_change, bool counted,
                                  std::shared_ptr<Transaction> txn) {
    auto tracker = tracker_;
    if (!txn) txn = txn_;
    ++txn->pending;
    ++tracker->in_flight;
    try {
        producer_.produce(std::move(message),
                          [tracker, txn, is_change, counted](std::optional<Error> err) {
                              --txn->pending;
                              --tracker->in_flight;
                              if (err) {
                                  std::lock_guard lock(tracker->mutex);
                                  if (!tracker->failure) tracker->failure = err->what();
                                  tracker->failed = true;
                              }
                              if (err || tracker->waiting) {
                                  // Taking the mutex orders this wake-up after the waiter's
                                  // predicate check.
                                  { std::lock_guard lock(tracker->mutex); }
                                  tracker->acked.notify_all();
                              }
                              if (err || !counted) return;
                              if (is_change && txn->snapshot) {
                                  metrics().snapshot_rows.Increment();
                              } else if (is_change) {
                                  metrics().changes.Increment();
                                  metrics().capture_lag.Observe(seconds_since(txn->commit_time));
                              } else {
                                  metrics().firings.Increment();
                              }
                          });
    } catch (...) {
        --txn->pending;
        --tracker->in_flight;
        throw;
    }
}

// Confirms the end of the longest prefix of fully acknowledged transactions; with none in
// flight and none open, the server's latest reported position.
void CaptureLoop::advance() {
    pg::Lsn safe = 0;
    double oldest_age = 0;
    auto& list = transactions_;
    while (!list.empty() && list.front()->committed && list.front()->pending == 0) {
        safe = list.front()->end_lsn;
        list.pop_front();
    }
    if (!list.empty()) oldest_age = seconds_since(list.front()->commit_time);
    if (list.empty() && !txn_) safe = std::max(safe, stream_->server_wal_end());
    metrics().lag_seconds.Set(std::max(0.0, oldest_age));
    if (safe > stream_->confirmed()) {
        stream_->confirm(safe);
        ever_confirmed_ = std::max(ever_confirmed_, safe);
        metrics().confirmed_lsn.Set(static_cast<double>(safe));
    }
}

// Writes a heartbeat into the source's WAL (it comes back through the stream and lets the slot
// advance while the watched tables are idle) and measures the slot's lag.
void CaptureLoop::heartbeat() {
    source_->exec("SELECT pg_logical_emit_message(false, $1, now()::text)",
                  {std::string(kHeartbeatPrefix)});
    auto r = source_->exec(
        "SELECT coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::bigint "
        "AS lag, coalesce(wal_status, '') AS wal_status FROM pg_replication_slots "
        "WHERE slot_name = $1",
        {options_.slot});
    if (r.rows() == 0) throw Error(ErrorKind::kUnavailable, "replication slot vanished");
    metrics().slot_lag_bytes.Set(static_cast<double>(r.integer(0, "lag")));
    if (r.text(0, "wal_status") == "lost")
        throw Error(ErrorKind::kUnavailable, "replication slot invalidated (wal_status lost)");
}

void CaptureLoop::snapshot_wait(const std::function<bool()>& done) {
    while (!done()) {
        tracker_->wait(std::chrono::milliseconds(100), done);
        snapshot_keepalive();
    }
}

void CaptureLoop::snapshot_keepalive() {
    tracker_->throw_if_failed();
    // The stream is not read meanwhile: tell the server this client is alive.
    if (Clock::now() - last_snapshot_status_ >= std::chrono::seconds(1)) {
        stream_->send_status();
        last_snapshot_status_ = Clock::now();
    }
    if (stopping()) throw Error(ErrorKind::kUnavailable, "stopped during a table snapshot");
}

void CaptureLoop::snapshot_table(const std::string& table) {
    auto& snapshots = *options_.snapshots;
    if (snapshots.mode() == SnapshotMode::kNever) {
        snapshots.mark_never(table);
        return;
    }
    std::optional<TableReader> opened;
    try {
        opened.emplace(*source_, table);
    } catch (const Error& e) {
        // Dropped since its changes were written: there is nothing left to read.
        if (e.kind() != ErrorKind::kNotFound) throw;
        snapshots.mark_gone(table);
        return;
    }
    auto& reader = *opened;
    const auto [snapshot_id, started_at] = snapshots.start(table);
    const auto& rel = reader.relation();
    log::info("table snapshot started", {{"table", table},
                                         {"snapshot_id", snapshot_id},
                                         {"xid_snapshot", reader.xids().text()},
                                         {"lsn", pg::format_lsn(reader.lsn())}});
    auto txn = std::make_shared<Transaction>();
    txn->commit_time = reader.taken_at();
    txn->snapshot = true;
    TransactionInfo info;
    info.db = stream_->identity().dbname;
    info.xid = reader.xid();
    info.commit_time = reader.taken_at();
    // A snapshot read has no transaction block (total_order 0), as in Debezium.
    ChangePosition at;
    at.lsn = reader.lsn();
    const auto triggers = triggers_.get();
    const auto* candidates = triggers->for_table(table);
    const auto* needs = triggers->needs_of(table);
    topic_of(rel);  // a per-table topic is created before the rows are read
    last_snapshot_status_ = Clock::now();

    std::int64_t rows = 0;
    auto batch = reader.fetch(options_.snapshot_batch);
    while (!batch.empty()) {
        auto next = reader.fetch(options_.snapshot_batch);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            snapshot_wait([this] { return tracker_->in_flight < options_.max_in_flight; });
            const auto change = read_change(batch[i]);
            at.snapshot = next.empty() && i + 1 == batch.size() ? "last" : "true";
            std::vector<const CdcTrigger*> fired;
            if (candidates) {
                const auto document = filter_document(rel, change, needs);
                for (const auto& trigger : *candidates)
                    if (trigger.matches(change.op_name(), document)) fired.push_back(&trigger);
            }
            auto key = change_key(rel, change, options_.envelope.encoding);
            const auto now = now_utc();
            auto envelope = envelope_text(rel, change, info, at, now, options_.envelope);
            // As for streamed changes: firings carry friendly values.
            nlohmann::json payload;
            if (!fired.empty()) payload = firing_payload(rel, change, info, at, now, envelope);
            const auto row_key =
                rel.key_columns.empty() || !key ? "#" + std::to_string(rows) : *key;
            produce_tracked(change_message(rel, change, std::move(envelope), key), true, true, txn);
            for (const auto* trigger : fired) {
                const Event event = snapshot_firing(
                    {trigger->id, trigger->name, TriggerType::kCdc}, payload,
                    {stream_->identity().system_id, info.db, table, snapshot_id, row_key},
                    started_at);
                produce_tracked(bus::make_firing_message(topics_, event, "cdc-capture"), false,
                                true, txn);
            }
            ++rows;
        }
        snapshot_keepalive();
        batch = std::move(next);
    }
    reader.close();
    // Done only once Kafka has every row: an interrupted snapshot is taken again.
    snapshot_wait([&txn] { return txn->pending == 0; });
    snapshots.finish(table, reader.xids(), reader.lsn(), rows);
    log::info("table snapshot finished", {{"table", table},
                                          {"snapshot_id", snapshot_id},
                                          {"rows", rows},
                                          {"lsn", pg::format_lsn(reader.lsn())}});
}

}  // namespace etp::cdc_capture
