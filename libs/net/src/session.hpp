#pragma once
// One accepted connection: reads requests with deadlines and limits, dispatches each to its
// route, writes the answer, and keeps the connection for the next request or closes it. Runs
// only on its IoSlot's thread (every member function below), except the destructor, which may
// run on a handler thread when a dropped job owned it last.

#include <array>
#include <chrono>
#include <memory>
#include <optional>

#include "server_impl.hpp"

namespace etp::net::detail {

class Session : public std::enable_shared_from_this<Session> {
 public:
    Session(std::shared_ptr<Server::Impl> server, IoSlot& slot, tcp::socket socket);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start();
    // Shutdown: a connection with no request in flight closes now.
    void close_if_idle();
    void force_close();
    // The answer of the request in flight (from a handler thread or an async Reply).
    void on_answer(Response response);

 private:
    using Clock = std::chrono::steady_clock;
    enum class State { kIdle, kHeader, kBody, kHandling, kWriting, kClosing, kClosed };

    void new_request();
    void read_some();
    void on_read(const beast::error_code& ec, std::size_t bytes);
    void parse();
    void on_header();
    void dispatch();
    void run_route(const Route& route);
    void send(Response response);
    void send_error(int status, const std::string& detail);
    void on_written(const beast::error_code& ec);
    void linger();  // after an answer that ends the connection
    void drain();
    void close() noexcept;
    void clean_header_bytes() noexcept;
    std::optional<int> refuse_header(std::string& detail) const;

    std::shared_ptr<Server::Impl> server_;
    IoSlot& slot_;
    const ServerOptions& options_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    Request request_;
    State state_ = State::kIdle;
    bool first_request_ = true;
    bool keep_alive_ = true;
    bool head_ = false;
    bool close_after_write_ = false;
    bool unread_input_ = false;  // an early answer left part of the request unread
    Clock::time_point header_deadline_;
    Clock::time_point body_started_;
    std::size_t body_bytes_ = 0;
    std::size_t drained_ = 0;
    Clock::time_point drain_until_;
    // Header byte cleaning (clean_header_bytes): bytes of the header block looked at so far,
    // whether the request line is behind, the current line's length, and whether the rest of
    // the line is being blanked after a NUL.
    std::size_t cleaned_ = 0;
    bool past_request_line_ = false;
    std::size_t line_length_ = 0;
    bool blanking_ = false;
    // Set while an answer is awaited from a handler thread or a Reply: the session owns itself
    // then (no I/O operation holds it). Cleared by on_answer() and force_close().
    std::shared_ptr<Session> self_;
};

}  // namespace etp::net::detail
