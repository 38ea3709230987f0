// Reference point for benchmarks: the smallest cpp-httplib server, tuned the way the gateway
// is (TCP_NODELAY, long keep-alive, a sized worker pool). Answers "hello" on GET / and POST /.
// Usage: hello_httplib PORT [THREADS]
#include <httplib.h>

#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    int port = std::atoi(argv[1]);
    std::size_t threads = argc > 2 ? static_cast<std::size_t>(std::atoi(argv[2])) : 16;
    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(100000);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    auto hello = [](const httplib::Request&, httplib::Response& res) {
        res.set_content("hello", "text/plain");
    };
    server.Get("/", hello);
    server.Post("/", hello);
    return server.listen("127.0.0.1", port) ? 0 : 1;
}
