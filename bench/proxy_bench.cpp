// Fault-injector benchmark (not a test): the proxy with no toxics against direct loopback
// and against socat, in the same run, on the same machine.
//   throughput: MB/s moving --megabytes with 64 KiB writes (client -> server, until EOF)
//   latency:    round trip of a 32-byte message, p50/p99, and what the proxy adds
//   memory:     bytes of proxy memory per idle proxied connection
// Plain POSIX sockets and threads outside the proxy, so the harness itself stays cheap.
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "fault_injector/shell/fault_injector.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kWriteBytes = 64 * 1024;
constexpr std::size_t kMessageBytes = 32;

int listen_on_loopback(unsigned short& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || ::listen(fd, 4096) != 0) {
    std::perror("bench listen");
    std::exit(1);
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

int connect_to(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  for (int attempt = 0; attempt < 200; ++attempt) {  // socat needs a moment to listen
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return fd;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::perror("bench connect");
  std::exit(1);
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::send(fd, data, size, MSG_NOSIGNAL);
    if (written <= 0) return false;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

bool read_exactly(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t count = ::recv(fd, data, size, 0);
    if (count <= 0) return false;
    data += count;
    size -= static_cast<std::size_t>(count);
  }
  return true;
}

// A server on its own threads: "sink" reads until EOF then closes; "echo" sends back.
class BenchServer {
 public:
  enum class Mode { sink, echo };
  explicit BenchServer(Mode mode) : mode_(mode), listener_(listen_on_loopback(port_)) {
    acceptor_ = std::thread([this] {
      for (;;) {
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0 || stopping_) {
          if (fd >= 0) ::close(fd);
          return;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (mode_ == Mode::sink || mode_ == Mode::echo) {
          std::thread([this, fd] { serve(fd); }).detach();
        }
      }
    });
  }
  ~BenchServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
  }
  unsigned short port() const { return port_; }

 private:
  void serve(int fd) {
    std::vector<char> buffer(256 * 1024);
    for (;;) {
      const ssize_t count = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (count <= 0) break;
      if (mode_ == Mode::echo && !write_all(fd, buffer.data(), static_cast<std::size_t>(count))) break;
    }
    ::close(fd);
  }
  Mode mode_;
  unsigned short port_ = 0;
  int listener_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
};

// MB/s (10^6 bytes) to push `total_bytes` in 64 KiB writes and see the server's EOF.
double throughput_megabytes_per_second(unsigned short port, std::size_t total_bytes) {
  const int fd = connect_to(port);
  std::vector<char> chunk(kWriteBytes, 'x');
  const auto start = Clock::now();
  for (std::size_t sent = 0; sent < total_bytes; sent += kWriteBytes) write_all(fd, chunk.data(), kWriteBytes);
  ::shutdown(fd, SHUT_WR);
  char byte;
  while (::recv(fd, &byte, 1, 0) > 0) {
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  return static_cast<double>(total_bytes) / 1e6 / seconds;
}

struct Percentiles {
  double p50_us = 0;
  double p99_us = 0;
};

Percentiles round_trip_microseconds(unsigned short port, int round_trips) {
  const int fd = connect_to(port);
  char message[kMessageBytes];
  std::memset(message, 'm', sizeof(message));
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(round_trips));
  for (int i = 0; i < round_trips + 1000; ++i) {
    const auto start = Clock::now();
    write_all(fd, message, sizeof(message));
    read_exactly(fd, message, sizeof(message));
    if (i >= 1000) samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  ::close(fd);
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 99 / 100]};
}

std::size_t heap_bytes_in_use() { return mallinfo2().uordblks; }

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0;
  std::size_t pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

pid_t start_socat(unsigned short listen_port, unsigned short target_port) {
  const std::string listen = "TCP-LISTEN:" + std::to_string(listen_port) + ",bind=127.0.0.1,reuseaddr,fork,nodelay";
  const std::string target = "TCP:127.0.0.1:" + std::to_string(target_port) + ",nodelay";
  std::vector<std::string> arguments = {"socat", "-b", "65536", listen, target};
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawnp(&pid, "socat", nullptr, nullptr, argv.data(), environ) != 0) return 0;
  return pid;
}

unsigned short free_port() {
  unsigned short port = 0;
  const int fd = listen_on_loopback(port);
  ::close(fd);
  return port;
}

template <typename Measure>
double median_of(int repetitions, Measure measure) {
  std::vector<double> values;
  for (int i = 0; i < repetitions; ++i) values.push_back(measure());
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fault-injector benchmark: proxy (no toxics) vs direct loopback vs socat"};
  std::size_t megabytes = 1024;
  int round_trips = 20000;
  int idle_connections = 2000;
  int repetitions = 3;
  app.add_option("--megabytes", megabytes, "Bytes moved per throughput run, in MB")->capture_default_str();
  app.add_option("--round-trips", round_trips, "Round trips per latency run")->capture_default_str();
  app.add_option("--idle-connections", idle_connections, "Idle proxied connections for the memory figure")
      ->capture_default_str();
  app.add_option("--repetitions", repetitions, "Throughput runs per path (the median is reported)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGPIPE, SIG_IGN);

  BenchServer sink(BenchServer::Mode::sink);
  BenchServer echo(BenchServer::Mode::echo);
  resync::fault_injector::FaultInjector injector(1);
  injector.start();
  auto make_proxy = [&](const std::string& name, unsigned short target) {
    auto proxy = injector.create_proxy({name, "127.0.0.1:0", "127.0.0.1:" + std::to_string(target), true});
    if (!proxy.ok()) {
      std::fprintf(stderr, "cannot create proxy: %s\n", proxy.error().message.c_str());
      std::exit(1);
    }
    const std::string& listen = proxy->definition.listen;
    return static_cast<unsigned short>(std::stoi(listen.substr(listen.rfind(':') + 1)));
  };
  const unsigned short proxy_to_sink = make_proxy("sink", sink.port());
  const unsigned short proxy_to_echo = make_proxy("echo", echo.port());
  const unsigned short socat_to_sink = free_port();
  const unsigned short socat_to_echo = free_port();
  const pid_t socat_sink = start_socat(socat_to_sink, sink.port());
  const pid_t socat_echo = start_socat(socat_to_echo, echo.port());
  const bool have_socat = socat_sink != 0 && socat_echo != 0;

  const std::size_t total_bytes = megabytes * 1'000'000 / kWriteBytes * kWriteBytes;
  std::printf("throughput: %zu MB in 64 KiB writes, median of %d runs\n", megabytes, repetitions);
  const double direct_mbps = median_of(repetitions, [&] { return throughput_megabytes_per_second(sink.port(), total_bytes); });
  const double proxy_mbps = median_of(repetitions, [&] { return throughput_megabytes_per_second(proxy_to_sink, total_bytes); });
  const double socat_mbps =
      have_socat ? median_of(repetitions, [&] { return throughput_megabytes_per_second(socat_to_sink, total_bytes); }) : 0;
  std::printf("  direct  %9.1f MB/s\n  proxy   %9.1f MB/s  (%.0f%% of direct)\n", direct_mbps, proxy_mbps,
              100.0 * proxy_mbps / direct_mbps);
  if (have_socat) {
    std::printf("  socat   %9.1f MB/s  (%.0f%% of direct)\n  proxy/socat = %.2f\n", socat_mbps,
                100.0 * socat_mbps / direct_mbps, proxy_mbps / socat_mbps);
  }

  std::printf("round trip, %zu-byte messages, %d round trips\n", kMessageBytes, round_trips);
  const Percentiles direct_rtt = round_trip_microseconds(echo.port(), round_trips);
  const Percentiles proxy_rtt = round_trip_microseconds(proxy_to_echo, round_trips);
  std::printf("  direct  p50 %7.1f us  p99 %7.1f us\n", direct_rtt.p50_us, direct_rtt.p99_us);
  std::printf("  proxy   p50 %7.1f us  p99 %7.1f us  (adds p50 %.1f us, p99 %.1f us)\n", proxy_rtt.p50_us,
              proxy_rtt.p99_us, proxy_rtt.p50_us - direct_rtt.p50_us, proxy_rtt.p99_us - direct_rtt.p99_us);
  if (have_socat) {
    const Percentiles socat_rtt = round_trip_microseconds(socat_to_echo, round_trips);
    std::printf("  socat   p50 %7.1f us  p99 %7.1f us  (adds p50 %.1f us, p99 %.1f us)\n", socat_rtt.p50_us,
                socat_rtt.p99_us, socat_rtt.p50_us - direct_rtt.p50_us, socat_rtt.p99_us - direct_rtt.p99_us);
  }

  // Idle connections: raw sockets on the client side and an accept-only server, so the
  // heap growth is the proxy's own (kernel socket buffers are not in either figure).
  {
    unsigned short idle_port = 0;
    const int idle_listener = listen_on_loopback(idle_port);
    std::atomic<bool> accepting{true};
    std::vector<int> accepted;
    std::thread acceptor([&] {
      while (accepting) {
        const int fd = ::accept(idle_listener, nullptr, nullptr);
        if (fd < 0) break;
        accepted.push_back(fd);
      }
    });
    const unsigned short proxy_to_idle = make_proxy("idle", idle_port);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    malloc_trim(0);
    const std::size_t heap_before = heap_bytes_in_use();
    const std::size_t resident_before = resident_bytes();
    std::vector<int> clients;
    for (int i = 0; i < idle_connections; ++i) clients.push_back(connect_to(proxy_to_idle));
    for (int wait = 0; wait < 200; ++wait) {
      auto live = injector.connections("idle");
      if (live.ok() && live->size() == static_cast<std::size_t>(idle_connections)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const double heap_per = static_cast<double>(heap_bytes_in_use() - heap_before) / idle_connections;
    const double resident_per = static_cast<double>(resident_bytes() - resident_before) / idle_connections;
    std::printf("memory per idle proxied connection (%d connections): heap %.0f bytes, resident %.0f bytes\n",
                idle_connections, heap_per, resident_per);
    for (int fd : clients) ::close(fd);
    accepting = false;
    ::shutdown(idle_listener, SHUT_RDWR);
    ::close(idle_listener);
    acceptor.join();
    for (int fd : accepted) ::close(fd);
  }

  std::printf("targets: throughput >= 90%% of direct (%s), not below socat (%s), added p50 <= 20 us (%s)\n",
              proxy_mbps >= 0.9 * direct_mbps ? "met" : "NOT met",
              !have_socat ? "socat missing" : (proxy_mbps >= socat_mbps ? "met" : "NOT met"),
              proxy_rtt.p50_us - direct_rtt.p50_us <= 20 ? "met" : "NOT met");

  for (pid_t pid : {socat_sink, socat_echo}) {
    if (pid != 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
  injector.stop();
  return 0;
}
