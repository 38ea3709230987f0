#include "etp/dev_broker/port_override.hpp"

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace {

std::atomic<int> g_base_port{0};
std::atomic<int> g_next_offset{0};

using BindFn = int (*)(int, const struct sockaddr*, socklen_t);

BindFn real_bind() {
    static const BindFn real = reinterpret_cast<BindFn>(::dlsym(RTLD_NEXT, "bind"));
    return real;
}

}  // namespace

namespace etp::dev_broker {

void set_base_port(int port) noexcept {
    g_next_offset = 0;
    g_base_port = port;
}

std::optional<std::string> unavailable_port(int base, int count) {
    BindFn real = real_bind();
    for (int port = base; port < base + count; ++port) {
        auto failed = [port](int error) {
            return "127.0.0.1:" + std::to_string(port) + ": " + std::strerror(error);
        };
        if (real == nullptr) return failed(ENOSYS);
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return failed(errno);
        const int on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const int rc = real(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        const int error = errno;
        ::close(fd);
        if (rc != 0) return failed(error);
    }
    return std::nullopt;
}

}  // namespace etp::dev_broker

// Interposes libc's bind() for the whole process (librdkafka's calls resolve here first,
// because the executable exports it). Forwards unchanged unless a base port is set and the
// caller asks for any IPv4 port.
extern "C" int bind(int fd, const struct sockaddr* address, socklen_t length) {
    BindFn real = real_bind();
    if (real == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    const int base = g_base_port.load();
    if (base == 0 || address == nullptr || address->sa_family != AF_INET ||
        length < sizeof(sockaddr_in)) {
        return real(fd, address, length);
    }
    sockaddr_in chosen{};
    std::memcpy(&chosen, address, sizeof chosen);
    if (chosen.sin_port != 0) return real(fd, address, length);
    chosen.sin_port = htons(static_cast<std::uint16_t>(base + g_next_offset.fetch_add(1)));
    // Without this a restarted broker could not take its port back while connections of the
    // previous one linger in TIME_WAIT.
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    return real(fd, reinterpret_cast<const sockaddr*>(&chosen), sizeof chosen);
}

namespace {

using AcceptFn = int (*)(int, struct sockaddr*, socklen_t*);
using Accept4Fn = int (*)(int, struct sockaddr*, socklen_t*, int);

// Real Kafka brokers set TCP_NODELAY on client connections; librdkafka's mock cluster does
// not, so a small response written while the previous one is unacknowledged waits for the
// client's delayed ACK (40 ms on Linux). That showed up as the platform's fire p99.
int with_nodelay(int fd) {
    if (fd >= 0) {
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    return fd;
}

}  // namespace

// Interposed like bind(): every connection the mock cluster accepts gets TCP_NODELAY.
extern "C" int accept(int fd, struct sockaddr* address, socklen_t* length) {
    static const AcceptFn real = reinterpret_cast<AcceptFn>(::dlsym(RTLD_NEXT, "accept"));
    if (real == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    return with_nodelay(real(fd, address, length));
}

extern "C" int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags) {
    static const Accept4Fn real = reinterpret_cast<Accept4Fn>(::dlsym(RTLD_NEXT, "accept4"));
    if (real == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    return with_nodelay(real(fd, address, length, flags));
}
