#pragma once
// The fault injector in-process: the C++ API the harness uses. It owns the io_context (one
// thread), the proxies and, optionally, the Toxiproxy-compatible HTTP API. Every method may
// be called from any thread once start() has run: the call is carried out on the io thread
// and its result handed back, so there is no locking anywhere in the proxy.
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "fault_injector/control/control_plane.hpp"
#include "fault_injector/shell/asio_proxy_runtime.hpp"
#include "fault_injector/shell/http_api_server.hpp"
#include "fault_injector/shell/shell_context.hpp"

namespace resync::fault_injector {

class FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed);
  ~FaultInjector();
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  void start();  // runs the io thread in the background
  void run();    // runs the io loop on the calling thread until stop()
  void stop();   // closes everything; safe from any thread, idempotent

  std::uint64_t seed() const { return context_.seed; }
  // Lets proxies listen on non-loopback addresses (refused by default). Call before start()
  // and before any proxy is created.
  void allow_remote_listeners() { context_.listen_allow_remote = true; }
  boost::asio::io_context& io_context() { return io_; }

  // Serves the HTTP API on `address` ("127.0.0.1:0" picks a port); returns the bound address.
  Result<std::string> serve_http_api(const std::string& address, bool allow_non_loopback = false);

  // Runs `operation(ControlPlane&)` on the io thread and returns what it returns.
  template <typename Operation>
  std::invoke_result_t<Operation, ControlPlane&> with_control_plane(Operation operation) {
    using Value = std::invoke_result_t<Operation, ControlPlane&>;
    if (!thread_.joinable() || io_.get_executor().running_in_this_thread()) return operation(control_plane_);
    std::promise<Value> promise;
    std::future<Value> future = promise.get_future();
    boost::asio::post(io_, [&] { promise.set_value(operation(control_plane_)); });
    return future.get();
  }

  Result<ProxyState> create_proxy(const ProxyDefinition& definition);
  Status delete_proxy(const std::string& proxy_name);
  Result<ProxyState> update_proxy(const std::string& proxy_name, const nlohmann::json& changes);
  Result<std::vector<ProxyState>> populate(const nlohmann::json& entries);
  Result<ToxicSpec> add_toxic(const std::string& proxy_name, const nlohmann::json& toxic);
  Result<ToxicSpec> update_toxic(const std::string& proxy_name, const std::string& toxic_name,
                                 const nlohmann::json& changes);
  Status remove_toxic(const std::string& proxy_name, const std::string& toxic_name);
  Status reset();
  Result<std::vector<ConnectionInfo>> connections(const std::string& proxy_name);

 private:
  void shut_down_on_io_thread();

  boost::asio::io_context io_;
  ShellContext context_;
  AsioProxyRuntime runtime_;
  ControlPlane control_plane_;
  std::shared_ptr<HttpApiServer> http_api_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_guard_;
  std::thread thread_;
};

}  // namespace resync::fault_injector
