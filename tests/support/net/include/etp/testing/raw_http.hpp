#pragma once
// A raw TCP client for HTTP tests: exact bytes out, one answer in (status line, headers and a
// Content-Length body), and questions a well-behaved library cannot ask: was the connection
// closed, how much did the server take before it answered. Blocking calls with deadlines; not
// thread-safe; one object per connection.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace etp::testing {

struct RawAnswer {
    int status = 0;
    std::string head;  // status line and headers, without the empty line
    std::string body;

    // The value of a header (case-insensitive name), "" when absent.
    std::string header(const std::string& name) const {
        std::string lower_head = lower(head);
        std::string key = "\r\n" + lower(name) + ":";
        auto p = lower_head.find(key);
        if (p == std::string::npos) return "";
        auto start = p + key.size();
        auto end = head.find("\r\n", start);
        std::string value = head.substr(start, end == std::string::npos ? end : end - start);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        return value;
    }
    static std::string lower(std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }
};

// Raises this process's open file limit to the hard limit (for tests holding many sockets).
inline std::size_t raise_file_limit() {
    rlimit l{};
    ::getrlimit(RLIMIT_NOFILE, &l);
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
    ::getrlimit(RLIMIT_NOFILE, &l);
    return static_cast<std::size_t>(l.rlim_cur);
}

class RawConnection {
 public:
    using Clock = std::chrono::steady_clock;

    // Connects to 127.0.0.1:port (blocking); ok() tells whether it worked.
    explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        if (fd_ < 0) return;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd_);
            fd_ = -1;
            return;
        }
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    }
    ~RawConnection() { close(); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    RawConnection(RawConnection&& other) noexcept
        : fd_(std::exchange(other.fd_, -1)), in_(std::move(other.in_)) {}

    bool ok() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    // The next answer is to a HEAD request: its Content-Length announces no body.
    bool next_is_head = false;
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    // Sends everything within the timeout; false when the peer closed or time ran out.
    bool send_all(const std::string& bytes,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto deadline = Clock::now() + timeout;
        for (std::size_t sent = 0; sent < bytes.size();) {
            ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
            if (!wait(POLLOUT, deadline)) return false;
        }
        return true;
    }

    // One answer, or nullopt when the connection closed or the timeout passed first.
    std::optional<RawAnswer> read_answer(
        std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto deadline = Clock::now() + timeout;
        for (;;) {
            if (auto answer = take_answer()) return answer;
            if (!read_more(deadline)) return take_answer();
        }
    }

    // True when the server closed the connection (EOF or reset) within the timeout, reading
    // and dropping whatever it sent before.
    bool closed_within(std::chrono::milliseconds timeout) {
        auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            if (!wait(POLLIN, deadline)) return false;
            char buf[4096];
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n == 0) return true;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return true;
        }
        return false;
    }

    // Streams a body after the header block, `chunk` at a time up to `total` bytes (or until
    // the server answers or closes), watching for the answer between writes. Returns the
    // answer (if one came) and counts the body bytes the kernel took before it came.
    std::optional<RawAnswer> stream(const std::string& head, const std::string& chunk,
                                    std::size_t total, std::size_t& sent_body,
                                    std::chrono::milliseconds timeout) {
        auto deadline = Clock::now() + timeout;
        sent_body = 0;
        if (!send_all(head, timeout)) return read_answer(std::chrono::milliseconds(2000));
        std::size_t offset = 0;
        while (sent_body < total && Clock::now() < deadline) {
            pollfd p{fd_, POLLIN | POLLOUT, 0};
            ::poll(&p, 1, 100);
            if (p.revents & (POLLIN | POLLERR | POLLHUP)) break;
            if (!(p.revents & POLLOUT)) continue;
            std::size_t left = std::min(chunk.size() - offset, total - sent_body);
            ssize_t n = ::send(fd_, chunk.data() + offset, left, MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
            if (n <= 0) break;
            sent_body += static_cast<std::size_t>(n);
            offset = (offset + static_cast<std::size_t>(n)) % chunk.size();
        }
        return read_answer(std::chrono::milliseconds(5000));
    }

 private:
    bool wait(short events, Clock::time_point deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, events, 0};
        return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
    }

    bool read_more(Clock::time_point deadline) {
        for (;;) {
            char buf[16384];
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n > 0) {
                in_.append(buf, static_cast<std::size_t>(n));
                return true;
            }
            if (n == 0) return false;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
            if (!wait(POLLIN, deadline)) return false;
        }
    }

    std::optional<RawAnswer> take_answer() {
        auto end = in_.find("\r\n\r\n");
        if (end == std::string::npos) return std::nullopt;
        RawAnswer a;
        a.head = in_.substr(0, end);
        std::string length = a.header("Content-Length");
        std::size_t size = length.empty() || next_is_head ? 0 : std::stoul(length);
        if (in_.size() < end + 4 + size) return std::nullopt;
        if (a.head.size() < 12 || !a.head.starts_with("HTTP/1.")) return std::nullopt;
        a.status = std::stoi(a.head.substr(9, 3));
        a.body = in_.substr(end + 4, size);
        in_.erase(0, end + 4 + size);
        if (a.status != 100) next_is_head = false;
        if (a.status == 100) return take_answer();  // an interim answer: the final one follows
        return a;
    }

    int fd_ = -1;
    std::string in_;
};

}  // namespace etp::testing
