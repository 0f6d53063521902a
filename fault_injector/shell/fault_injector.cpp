#include "fault_injector/shell/fault_injector.hpp"

namespace resync::fault_injector {

FaultInjector::FaultInjector(std::uint64_t seed)
    : context_(io_, seed), runtime_(context_), control_plane_(runtime_), work_guard_(io_.get_executor()) {}

FaultInjector::~FaultInjector() { stop(); }

void FaultInjector::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { io_.run(); });
}

void FaultInjector::run() { io_.run(); }

void FaultInjector::shut_down_on_io_thread() {
  if (http_api_) http_api_->stop();
  http_api_.reset();
  runtime_.stop_all();
  work_guard_.reset();
}

void FaultInjector::stop() {
  if (thread_.joinable()) {
    if (std::this_thread::get_id() == thread_.get_id()) {
      shut_down_on_io_thread();
      io_.stop();
      return;
    }
    boost::asio::post(io_, [this] {
      shut_down_on_io_thread();
      io_.stop();
    });
    thread_.join();
  } else if (io_.get_executor().running_in_this_thread()) {
    shut_down_on_io_thread();
    io_.stop();
  } else {
    shut_down_on_io_thread();
    io_.stop();
    io_.restart();
    io_.poll();  // let closed sockets' handlers run so nothing outlives the context
  }
}

Result<std::string> FaultInjector::serve_http_api(const std::string& address, bool allow_non_loopback) {
  return with_control_plane([&](ControlPlane& control_plane) -> Result<std::string> {
    Result<std::shared_ptr<HttpApiServer>> server = HttpApiServer::open(io_, control_plane, address, allow_non_loopback);
    if (!server.ok()) return server.error();
    if (http_api_) http_api_->stop();
    http_api_ = server.value();
    http_api_->start_accepting();
    return http_api_->bound_address();
  });
}

Result<ProxyState> FaultInjector::create_proxy(const ProxyDefinition& definition) {
  return with_control_plane([&](ControlPlane& control_plane) { return control_plane.create_proxy(definition); });
}
Status FaultInjector::delete_proxy(const std::string& proxy_name) {
  return with_control_plane([&](ControlPlane& control_plane) { return control_plane.delete_proxy(proxy_name); });
}
Result<ProxyState> FaultInjector::update_proxy(const std::string& proxy_name, const nlohmann::json& changes) {
  return with_control_plane([&](ControlPlane& control_plane) { return control_plane.update_proxy(proxy_name, changes); });
}
Result<std::vector<ProxyState>> FaultInjector::populate(const nlohmann::json& entries) {
  return with_control_plane([&](ControlPlane& control_plane) { return control_plane.populate(entries); });
}
Result<ToxicSpec> FaultInjector::add_toxic(const std::string& proxy_name, const nlohmann::json& toxic) {
  return with_control_plane([&](ControlPlane& control_plane) { return control_plane.add_toxic(proxy_name, toxic); });
}
Result<ToxicSpec> FaultInjector::update_toxic(const std::string& proxy_name, const std::string& toxic_name,
                                              const nlohmann::json& changes) {
  return with_control_plane(
      [&](ControlPlane& control_plane) { return control_plane.update_toxic(proxy_name, toxic_name, changes); });
}
Status FaultInjector::remove_toxic(const std::string& proxy_name, const std::string& toxic_name) {
  return with_control_plane(
      [&](ControlPlane& control_plane) { return control_plane.remove_toxic(proxy_name, toxic_name); });
}
Status FaultInjector::reset() {
  return with_control_plane([&](ControlPlane& control_plane) { return control_plane.reset(); });
}
Result<std::vector<ConnectionInfo>> FaultInjector::connections(const std::string& proxy_name) {
  return with_control_plane([&](ControlPlane& control_plane) { return control_plane.connections(proxy_name); });
}

}  // namespace resync::fault_injector
