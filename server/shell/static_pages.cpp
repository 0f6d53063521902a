#include "server/shell/static_pages.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace resync::server::shell {

namespace {

// The tutorial's page, with the script of its "server delivery" step: the client keeps the
// id of the last message it received in auth.serverOffset, so a reconnect asks only for
// what it missed.
constexpr std::string_view chat_page = R"html(<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width,initial-scale=1.0">
    <title>Socket.IO chat</title>
    <style>
      body { margin: 0; padding-bottom: 3rem; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }

      #form { background: rgba(0, 0, 0, 0.15); padding: 0.25rem; position: fixed; bottom: 0; left: 0; right: 0; display: flex; height: 3rem; box-sizing: border-box; backdrop-filter: blur(10px); }
      #input { border: none; padding: 0 1rem; flex-grow: 1; border-radius: 2rem; margin: 0.25rem; }
      #input:focus { outline: none; }
      #form > button { background: #333; border: none; padding: 0 1rem; margin: 0.25rem; border-radius: 3px; outline: none; color: #fff; }

      #messages { list-style-type: none; margin: 0; padding: 0; }
      #messages > li { padding: 0.5rem 1rem; }
      #messages > li:nth-child(odd) { background: #efefef; }
    </style>
  </head>
  <body>
    <ul id="messages"></ul>
    <form id="form" action="">
      <input id="input" autocomplete="off" /><button>Send</button>
    </form>
    <script src="/socket.io/socket.io.js"></script>
    <script>
      const socket = io({
        auth: {
          serverOffset: 0
        }
      });

      const form = document.getElementById('form');
      const input = document.getElementById('input');
      const messages = document.getElementById('messages');

      form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (input.value) {
          socket.emit('chat message', input.value);
          input.value = '';
        }
      });

      socket.on('chat message', (msg, serverOffset) => {
        const item = document.createElement('li');
        item.textContent = msg;
        messages.appendChild(item);
        window.scrollTo(0, document.body.scrollHeight);
        socket.auth.serverOffset = serverOffset;
      });
    </script>
  </body>
</html>
)html";

std::optional<std::filesystem::path> executable_directory() {
  std::error_code error;
  std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return std::nullopt;
  return executable.parent_path();
}

std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) return std::nullopt;
  return bytes;
}

bool names_regular_file(const std::filesystem::path& path) {
  std::error_code error;  // an unreadable directory on the way is "not found", not a crash
  return std::filesystem::is_regular_file(path, error);
}

}  // namespace

std::string_view chat_page_html() { return chat_page; }

std::vector<std::filesystem::path> client_bundle_search_paths() {
  std::vector<std::filesystem::path> bases;
  std::error_code error;
  std::filesystem::path working_directory = std::filesystem::current_path(error);
  if (!error) bases.push_back(working_directory);
  if (std::optional<std::filesystem::path> directory = executable_directory()) {
    // build/<dir>/app/resync: the repository root is three levels up; stop at the root.
    std::filesystem::path base = *directory;
    for (int level = 0; level <= 3; ++level) {
      bases.push_back(base);
      if (!base.has_relative_path()) break;
      base = base.parent_path();
    }
  }
  std::vector<std::filesystem::path> candidates;
  for (const std::filesystem::path& base : bases) {
    std::filesystem::path candidate = (base / client_bundle_relative_path).lexically_normal();
    bool seen = false;
    for (const std::filesystem::path& existing : candidates) seen = seen || existing == candidate;
    if (!seen) candidates.push_back(candidate);
  }
  return candidates;
}

std::optional<std::filesystem::path> find_client_bundle() {
  for (const std::filesystem::path& candidate : client_bundle_search_paths()) {
    if (names_regular_file(candidate)) return candidate;
  }
  return std::nullopt;
}

ClientBundle load_client_bundle(const std::optional<std::filesystem::path>& explicit_path) {
  ClientBundle bundle;
  if (explicit_path) {
    bundle.javascript = read_whole_file(*explicit_path);
    if (!bundle.javascript || !names_regular_file(*explicit_path)) {
      throw std::runtime_error("cannot read the socket.io client bundle '" + explicit_path->string() +
                               "' given with --client-bundle; point it at socket.io-client/dist/socket.io.min.js "
                               "or leave the flag out to search the usual places");
    }
    bundle.source_description = explicit_path->string();
    return bundle;
  }
  if (!embedded_client_bundle().empty()) {
    bundle.javascript = std::string(embedded_client_bundle());
    bundle.source_description = std::string(embedded_client_bundle_description());
    return bundle;
  }
  if (std::optional<std::filesystem::path> found = find_client_bundle()) {
    bundle.javascript = read_whole_file(*found);
    if (bundle.javascript) {
      bundle.source_description = found->string();
      return bundle;
    }
  }
  std::ostringstream searched;
  for (const std::filesystem::path& candidate : client_bundle_search_paths()) searched << "\n  " << candidate.string();
  bundle.source_description = "not found; searched:" + searched.str();
  return bundle;
}

std::string client_bundle_missing_text(const ClientBundle& bundle) {
  return "The socket.io client bundle (socket.io.min.js from the npm package socket.io-client) is not installed.\n"
         "Bundle " +
         bundle.source_description +
         "\n"
         "Install it from the repository root with:\n"
         "  (cd tests/node && npm ci)\n"
         "then rebuild (the build embeds it in resync) or restart the server, or start it with\n"
         "--client-bundle PATH naming socket.io.min.js.\n";
}

}  // namespace resync::server::shell
