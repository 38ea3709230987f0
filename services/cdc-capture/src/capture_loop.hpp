#pragma once
// Streams the source database's changes from the replication slot to Kafka, one thread.
//
// Leadership: the loop first takes a session advisory lock on the source database (keyed by the
// slot name); an instance that cannot get it waits, retrying every second, and takes over when
// the holder's session ends. While it holds the lock it streams.
//
// Every Insert, Update and Delete (and Truncate when emit_truncate) becomes one message on
// etp.cdc.changes (or, with topic_per_table, on <topic_prefix>.<schema>.<table>, created when
// missing through ensure_topic) keyed by the row's primary key, with the headers etp-table
// (schema.table) and etp-op; with tombstones a delete is followed by a message with the same
// key and a null value. And one message on etp.trigger.fired for each active cdc trigger whose
// table, operations and filter match (event id from the source, the commit LSN, the change's
// position in its transaction and the trigger, so a replayed change is the same event). Messages
// are produced asynchronously; a transaction's end LSN is confirmed to PostgreSQL only when Kafka
// acknowledged every message of it and of every transaction before it. When nothing is in flight,
// the position of the latest heartbeat or keepalive is confirmed too, so a slot whose tables are
// idle does not pin WAL. A Kafka failure or a lost connection ends the session; the next one
// resumes from the confirmed position, so changes are repeated, never skipped.
//
// With `snapshots`, a table not snapshotted yet is read (snapshot.hpp) before any streamed
// change of it is published, and streamed changes its snapshot already contains are skipped;
// published tables are checked for new ones every second. Its rows (op r) go to the table's
// topic with the key, headers and value encoding of streamed changes, and transaction null.
//
// A service::Worker: its own thread; a failed session is retried after retry_backoff.
// start()/stop() from the owner's thread; check() and leader() from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cdc_triggers.hpp"
#include "change_envelope.hpp"
#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/replication_stream.hpp"
#include "etp/service/worker.hpp"
#include "snapshot.hpp"

namespace etp::cdc_capture {

struct CaptureOptions {
    std::string source_url;
    std::string slot;
    std::string publication;
    std::chrono::milliseconds status_interval{10000};
    std::chrono::milliseconds heartbeat_interval{10000};
    std::size_t max_in_flight = 50000;
    std::chrono::milliseconds retry_backoff{1000};
    // How long stop() waits for the acknowledgements of what was produced before it confirms
    // and disconnects.
    std::chrono::milliseconds stop_ack_wait{4000};
    // Runs on the source connection once the lock is held, before streaming starts (creates and
    // updates the publication). May throw: the session then fails and is retried.
    std::function<void(pg::Connection& source)> before_streaming;

    EnvelopeOptions envelope;
    bool emit_truncate = false;
    bool tombstones = false;
    // One topic per table, <topic_prefix>.<schema>.<table> (characters Kafka does not allow in
    // a topic name become '_'); else etp.cdc.changes.
    bool topic_per_table = false;
    std::string topic_prefix = "etp";
    // Called on the loop's thread before the first message to a per-table topic (once per topic
    // and process); may throw: the session then fails and is retried.
    std::function<void(const std::string& topic)> ensure_topic;
    // Initial snapshots of newly captured tables (snapshot.hpp); none when null.
    TableSnapshots* snapshots = nullptr;
    std::size_t snapshot_batch = 1000;  // rows per FETCH
};

// The topic of a table in topic_per_table mode: `prefix`.`table` ("schema.table"), each
// character outside [A-Za-z0-9._-] replaced by '_'.
std::string table_topic(const std::string& prefix, const std::string& table);

class CaptureLoop : public service::Worker {
 public:
    CaptureLoop(CaptureOptions options, const CdcTriggerSet& triggers, bus::Producer& producer,
                const bus::Topics& topics);
    ~CaptureLoop() override;

    // nullopt while streaming or waiting for the lock; the problem when the slot is lost or
    // streaming keeps failing.
    std::optional<std::string> check() const;
    bool leader() const noexcept { return leader_; }

 private:
    struct Transaction;
    struct Tracker;

    // One session, then its state is dropped; returns the pause before the next.
    std::chrono::milliseconds step(std::size_t thread) override;
    std::chrono::milliseconds on_failure(const std::exception& error,
                                         std::chrono::milliseconds backoff) override;
    nlohmann::json failure_fields() const override;
    // Waits for the lock, then streams until stop or failure (throws).
    void session();
    void end_session() noexcept;
    bool wait_for_lock(pg::Connection& source);
    void handle(const pg::XLogData& data);
    const RelationInfo& relation(std::uint32_t id) const;
    void remember_relation(pg::pgoutput::Relation relation);
    void publish(const RelationInfo& rel, const RowChange& change, pg::Lsn change_lsn);
    // `counted` false: acknowledged like the others, but neither a change nor a firing in the
    // metrics (a tombstone). `txn`: the transaction the message belongs to (the open one when
    // null).
    void produce_tracked(bus::OutgoingMessage message, bool is_change, bool counted = true,
                         std::shared_ptr<Transaction> txn = nullptr);
    std::string topic_of(const RelationInfo& rel);
    // The message of one change on its topic: the envelope keyed by the primary key (a null key
    // without one), with the content type, table and op as headers.
    bus::OutgoingMessage change_message(const RelationInfo& rel, const RowChange& change,
                                        std::string envelope,
                                        const std::optional<std::string>& key);
    // What firings carry: `envelope` as json with friendly values (those the filters matched),
    // written again only when the topic's encoding is not the friendly one.
    nlohmann::json firing_payload(const RelationInfo& rel, const RowChange& change,
                                  const TransactionInfo& txn, const ChangePosition& at,
                                  Timestamp now, const std::string& envelope) const;
    // Reads `table`'s rows and publishes them as op r (or records it as not read under
    // CDC_SNAPSHOT=never); returns once Kafka acknowledged them all. The stream waits meanwhile.
    void snapshot_table(const std::string& table);
    // Waits (for back-pressure or acknowledgements) while a snapshot runs.
    void snapshot_wait(const std::function<bool()>& done);
    // Between batches and waits of a snapshot: a standby status update every second, and the
    // session ends on a delivery failure or stop.
    void snapshot_keepalive();
    void advance();
    void heartbeat();
    void set_problem(std::optional<std::string> problem);
    // The source answers again: a problem that only said capture keeps failing is over (a
    // standby that reconnects waits on the lock, and never reaches the leader's reset).
    void source_answers();

    const CaptureOptions options_;
    const CdcTriggerSet& triggers_;
    bus::Producer& producer_;
    const bus::Topics& topics_;

    std::atomic<bool> leader_{false};

    mutable std::mutex problem_mutex_;
    std::optional<std::string> problem_;
    bool problem_is_failing_ = false;  // problem_ is "change capture keeps failing"

    // Session state, used by the loop's thread only.
    std::unique_ptr<pg::Connection> source_;
    std::unique_ptr<pg::ReplicationStream> stream_;
    std::shared_ptr<Tracker> tracker_;
    // The session's transactions in commit order, not yet confirmed.
    std::deque<std::shared_ptr<Transaction>> transactions_;
    std::shared_ptr<Transaction> txn_;
    std::shared_ptr<const CdcTriggerSnapshot> txn_triggers_;
    TransactionInfo txn_info_;
    pg::Lsn txn_commit_lsn_ = 0;
    std::size_t txn_position_ = 0;
    std::size_t txn_published_ = 0;                         // transaction.total_order
    std::map<std::string, std::size_t> txn_table_changes_;  // transaction.data_collection_order
    pg::Lsn last_commit_lsn_ = 0;                           // source.sequence[0]
    std::map<std::string, std::string> table_topics_;       // table → its topic, ensured
    std::map<std::uint32_t, RelationInfo> relations_;
    pg::Lsn ever_confirmed_ = 0;  // across sessions: a slot that vanishes after this was lost
    std::chrono::steady_clock::time_point next_heartbeat_{};
    std::chrono::steady_clock::time_point next_snapshot_check_{};
    std::chrono::steady_clock::time_point last_snapshot_status_{};
};

}  // namespace etp::cdc_capture
