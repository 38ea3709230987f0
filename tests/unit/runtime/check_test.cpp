// ETP_CHECK: a broken precondition logs one line and aborts the process.

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <string>

#include "etp/runtime/check.hpp"

namespace {

struct Outcome {
    int signal = 0;  // 0: exited normally
    std::string stderr_text;
};

// Runs `body` in a child process and reports how it ended and what it wrote on stderr.
template <typename Body>
Outcome in_child(Body body) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fds[1], 2);
        ::close(fds[0]);
        body();
        ::_exit(0);
    }
    ::close(fds[1]);
    Outcome out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.stderr_text.append(buf, n);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
    return out;
}

}  // namespace

TEST_CASE("a broken check logs what and where, then aborts") {
    Outcome out = in_child([] {
        int started = 0;
        ETP_CHECK(started == 1, "next() before start()");
    });
    CHECK(out.signal == SIGABRT);
    CHECK(out.stderr_text.find("\"msg\":\"check failed\"") != std::string::npos);
    CHECK(out.stderr_text.find("next() before start()") != std::string::npos);
    CHECK(out.stderr_text.find("started == 1") != std::string::npos);
    CHECK(out.stderr_text.find("check_test.cpp") != std::string::npos);
}

TEST_CASE("a check that holds does nothing") {
    Outcome out = in_child([] { ETP_CHECK(1 + 1 == 2, "arithmetic"); });
    CHECK(out.signal == 0);
    CHECK(out.stderr_text.empty());
}
