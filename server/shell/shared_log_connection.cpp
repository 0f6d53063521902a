#include "server/shell/shared_log_connection.hpp"

#include <array>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "common/invariant.hpp"
#include "server/cluster/lost_socket_record.hpp"

namespace resync::server::shell {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// One read's worth of Redis replies; a tail batch of many entries arrives over several reads.
constexpr std::size_t read_chunk_bytes = 64 * 1024;

host::LogLevel host_level(cluster::SharedLogLine::Level level) {
  switch (level) {
    case cluster::SharedLogLine::Level::info: return host::LogLevel::info;
    case cluster::SharedLogLine::Level::warning: return host::LogLevel::warning;
    case cluster::SharedLogLine::Level::error: return host::LogLevel::error;
  }
  return host::LogLevel::error;
}

}  // namespace

// The outcome of the group in flight, handed from the log thread to the host's thread: posted
// as a completion, or taken by a host that waits for it (a graceful stop). Shared with the
// posted work, which may outlive the connection.
struct SharedLogGroupHandoff {
  std::mutex mutex;
  std::condition_variable finished_changed;
  bool in_flight = false;                    // from submit until delivered or taken
  std::optional<CommitCompletion> finished;  // the outcome, not yet delivered or taken
  std::function<void(CommitCompletion)> completed;  // host thread only
  bool closed = false;                       // the connection is gone: nothing more arrives
};

struct SharedLogConnection::Impl {
  struct LinkSocket {
    explicit LinkSocket(asio::io_context& io) : socket(io), resolver(io) {}
    tcp::socket socket;
    tcp::resolver resolver;
    std::deque<std::string> writes;  // bounded by the client: one EVAL and one XREAD at a time
    bool writing = false;
    std::uint64_t generation = 0;  // a handler of an older connection of this link does nothing
    std::array<char, read_chunk_bytes> buffer{};
  };

  Impl(SharedLogSettings settings_in, std::function<void(std::function<void()>)> post_to_host_in,
       SharedLogListener listener_in)
      : settings(std::move(settings_in)),
        post_to_host(std::move(post_to_host_in)),
        listener(std::move(listener_in)),
        client(settings.log),
        command(io),
        tail(io),
        lost_sockets(io),
        deadline_timer(io) {
    asio::post(io, [this] {
      client.start(now_ms());
      process();
    });
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(handoff->mutex);
      handoff->closed = true;
    }
    handoff->finished_changed.notify_all();
    work.reset();
    asio::post(io, [this] {
      boost::system::error_code ignored;
      for (LinkSocket* link : {&command, &tail, &lost_sockets}) {
        link->resolver.cancel();
        link->socket.close(ignored);
      }
      deadline_timer.cancel();
      io.stop();
    });
    thread.join();
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - clock_start)
        .count();
  }

  LinkSocket& socket_of(cluster::Link link) {
    return link == cluster::Link::command ? command : link == cluster::Link::tail ? tail : lost_sockets;
  }

  // Log thread: carries out what the client asked for, then waits for its next deadline.
  void process() {
    for (cluster::SharedLogAction& action : client.take_actions()) {
      std::visit([this](auto& each) { carry_out(each); }, action);
    }
    rearm_deadline();
  }

  void carry_out(const cluster::OpenLink& open) {
    LinkSocket& link = socket_of(open.link);
    const std::uint64_t generation = ++link.generation;
    link.writes.clear();
    link.writing = false;
    link.resolver.async_resolve(
        settings.redis_host, std::to_string(settings.redis_port),
        [this, which = open.link, generation](boost::system::error_code error, tcp::resolver::results_type results) {
          LinkSocket& resolved = socket_of(which);
          if (generation != resolved.generation) return;
          if (error) return link_failed(which, generation);
          asio::async_connect(resolved.socket, results,
                              [this, which, generation](boost::system::error_code connect_error, const tcp::endpoint&) {
                                if (generation != socket_of(which).generation) return;
                                if (connect_error) return link_failed(which, generation);
                                boost::system::error_code ignored;
                                socket_of(which).socket.set_option(tcp::no_delay(true), ignored);
                                client.on_link_open(which, now_ms());
                                read_more(which, generation);
                                process();
                              });
        });
  }

  void carry_out(cluster::SendBytes& send) {
    LinkSocket& link = socket_of(send.link);
    link.writes.push_back(std::move(send.bytes));
    write_more(send.link, link.generation);
  }

  void carry_out(const cluster::CloseLink& close) {
    LinkSocket& link = socket_of(close.link);
    link_failed(close.link, link.generation);
  }

  void carry_out(cluster::GroupCommitted& committed) {
    {
      std::lock_guard lock(handoff->mutex);
      RESYNC_ASSERT(handoff->in_flight && !handoff->finished, "a group's outcome answers the group in flight");
      handoff->finished = std::move(committed.completion);
    }
    handoff->finished_changed.notify_all();
    post_to_host([handoff = handoff] {
      std::optional<CommitCompletion> completion;
      std::function<void(CommitCompletion)> completed;
      {
        std::lock_guard lock(handoff->mutex);
        if (!handoff->finished) return;  // wait_for_group took it
        completion = std::exchange(handoff->finished, std::nullopt);
        handoff->in_flight = false;
        completed = std::exchange(handoff->completed, nullptr);
      }
      // Outside the lock: the completion usually submits the next group.
      if (completed) completed(std::move(*completion));
    });
  }

  void carry_out(cluster::EntriesTailed& tailed) {
    post_to_host([on_entries = listener.on_entries, entries = std::move(tailed.entries)]() mutable {
      on_entries(std::move(entries));
    });
  }

  void carry_out(cluster::LostSocketTaken& taken) {
    const auto found = lost_socket_answers.find(taken.request);
    RESYNC_ASSERT(found != lost_socket_answers.end(), "a lost-socket answer answers a take asked for");
    std::optional<DisconnectedSocket> socket;
    if (taken.value) {
      socket = cluster::decode_lost_socket(*taken.value);
      if (!socket) {
        carry_out_log(host::LogLevel::warning, "the lost-socket table held a value this server did not write; taken as "
                                               "no socket (the client connects fresh and catches up)");
      }
    }
    post_to_host([answer = std::move(found->second), socket = std::move(socket)] { answer(socket); });
    lost_socket_answers.erase(found);
  }

  void carry_out_log(host::LogLevel level, std::string text) {
    post_to_host([on_log = listener.on_log, level, text = std::move(text)]() mutable { on_log(level, std::move(text)); });
  }

  void carry_out(const cluster::LogGap& gap) {
    post_to_host([on_gap = listener.on_gap, gap] { on_gap(gap.after_id, gap.next_id); });
  }

  void carry_out(cluster::SharedLogLine& line) {
    post_to_host([on_log = listener.on_log, level = host_level(line.level), text = std::move(line.text)]() mutable {
      on_log(level, std::move(text));
    });
  }

  // The link's connection is over (refused, reset, closed by the client's request): the
  // socket goes, and the client hears of it once, after what it is doing now.
  void link_failed(cluster::Link which, std::uint64_t generation) {
    LinkSocket& link = socket_of(which);
    if (generation != link.generation) return;
    ++link.generation;  // handlers still pending for this connection now do nothing
    boost::system::error_code ignored;
    link.resolver.cancel();
    link.socket.close(ignored);
    link.writes.clear();
    link.writing = false;
    asio::post(io, [this, which] {
      client.on_link_closed(which, now_ms());
      process();
    });
  }

  void read_more(cluster::Link which, std::uint64_t generation) {
    LinkSocket& link = socket_of(which);
    link.socket.async_read_some(asio::buffer(link.buffer), [this, which, generation](boost::system::error_code error,
                                                                                      std::size_t bytes) {
      LinkSocket& reading = socket_of(which);
      if (generation != reading.generation) return;
      if (error) return link_failed(which, generation);
      client.on_link_bytes(which, std::string_view(reading.buffer.data(), bytes), now_ms());
      if (generation == reading.generation) read_more(which, generation);
      process();
    });
  }

  void write_more(cluster::Link which, std::uint64_t generation) {
    LinkSocket& link = socket_of(which);
    if (link.writing || link.writes.empty() || !link.socket.is_open()) return;
    link.writing = true;
    asio::async_write(link.socket, asio::buffer(link.writes.front()),
                      [this, which, generation](boost::system::error_code error, std::size_t) {
                        LinkSocket& writing = socket_of(which);
                        if (generation != writing.generation) return;
                        writing.writing = false;
                        if (error) return link_failed(which, generation);
                        writing.writes.pop_front();
                        write_more(which, generation);
                      });
  }

  void rearm_deadline() {
    const std::optional<std::int64_t> deadline = client.next_deadline_ms();
    if (!deadline) {
      deadline_timer.cancel();
      return;
    }
    deadline_timer.expires_at(clock_start + std::chrono::milliseconds(*deadline));
    deadline_timer.async_wait([this](boost::system::error_code error) {
      if (error) return;  // re-armed or cancelled
      client.on_timer(now_ms());
      process();
    });
  }

  SharedLogSettings settings;
  std::function<void(std::function<void()>)> post_to_host;
  SharedLogListener listener;
  std::shared_ptr<SharedLogGroupHandoff> handoff = std::make_shared<SharedLogGroupHandoff>();
  const std::chrono::steady_clock::time_point clock_start = std::chrono::steady_clock::now();
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{asio::make_work_guard(io)};
  cluster::SharedLogClient client;  // log thread only
  LinkSocket command;
  LinkSocket tail;
  LinkSocket lost_sockets;
  // The host's callbacks for the takes the client has not answered (it answers each once).
  std::map<std::uint64_t, host::LostSocketDirectory::Found> lost_socket_answers;  // log thread only
  asio::steady_timer deadline_timer;
  std::thread thread;  // last: started once everything above exists
};

SharedLogConnection::SharedLogConnection(SharedLogSettings settings,
                                         std::function<void(std::function<void()>)> post_to_host,
                                         SharedLogListener listener)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(post_to_host), std::move(listener))) {}

SharedLogConnection::~SharedLogConnection() = default;

void SharedLogConnection::submit(CommitRequest request, std::function<void(CommitCompletion)> completed) {
  {
    std::lock_guard lock(impl_->handoff->mutex);
    RESYNC_ASSERT(!impl_->handoff->in_flight, "one commit group at a time");
    impl_->handoff->in_flight = true;
    impl_->handoff->completed = std::move(completed);
  }
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl, request = std::move(request)] {
    impl->client.submit_group(request, impl->now_ms());
    impl->process();
  });
}

std::optional<CommitCompletion> SharedLogConnection::wait_for_group() {
  SharedLogGroupHandoff& handoff = *impl_->handoff;
  std::unique_lock lock(handoff.mutex);
  if (!handoff.in_flight) return std::nullopt;
  handoff.finished_changed.wait(lock, [&handoff] { return handoff.finished.has_value() || handoff.closed; });
  if (!handoff.finished) return std::nullopt;
  handoff.in_flight = false;
  handoff.completed = nullptr;
  return std::exchange(handoff.finished, std::nullopt);
}

void SharedLogConnection::remember_lost_socket(const std::string& private_id, const DisconnectedSocket& socket,
                                               std::int64_t window_ms) {
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl, private_id, value = cluster::encode_lost_socket(socket), window_ms] {
    impl->client.remember_lost_socket(private_id, value, window_ms, impl->now_ms());
    impl->process();
  });
}

void SharedLogConnection::take_lost_socket(const std::string& private_id, host::LostSocketDirectory::Found found) {
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl, private_id, found = std::move(found)]() mutable {
    const std::uint64_t request = impl->client.take_lost_socket(private_id, impl->now_ms());
    impl->lost_socket_answers.emplace(request, std::move(found));
    impl->process();
  });
}

void SharedLogGroupCommitter::submit(CommitRequest request, Completed completed) {
  connection_.submit(std::move(request), std::move(completed));
}

std::optional<CommitCompletion> SharedLogGroupCommitter::finish_now() { return connection_.wait_for_group(); }

CommitCompletion SharedLogGroupCommitter::commit_now(const CommitRequest& request) {
  connection_.submit(request, nullptr);
  std::optional<CommitCompletion> completion = connection_.wait_for_group();
  RESYNC_ASSERT(completion.has_value(), "the shared log answers a group before the connection closes");
  return std::move(*completion);
}

}  // namespace resync::server::shell
