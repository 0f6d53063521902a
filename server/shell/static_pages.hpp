#pragma once
// The tutorial's chat page and the socket.io client bundle that the page loads. Pure
// content and file lookup; no Beast types, so it is cheap to include and to test.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace resync::server::shell {

// GET / : the tutorial's index.html (message list, form, /socket.io/socket.io.js, and the
// "server delivery" client script that keeps auth.serverOffset).
std::string_view chat_page_html();

// Where the npm package puts the browser bundle, relative to the repository root.
inline constexpr std::string_view client_bundle_relative_path =
    "tests/node/node_modules/socket.io-client/dist/socket.io.min.js";

// Places searched for the bundle when --client-bundle is not given, in order: the current
// directory and the executable's directory and its parents (build/<dir>/app/resync lives
// three levels below the repository root).
std::vector<std::filesystem::path> client_bundle_search_paths();

// The first search path that names a regular file, or nothing.
std::optional<std::filesystem::path> find_client_bundle();

// The bundle embedded at build time (cmake/embed_client_bundle.cmake): empty when the build
// found no installed socket.io-client. The description names its version and origin.
std::string_view embedded_client_bundle();
std::string_view embedded_client_bundle_description();

// The bundle and what to answer when it is missing.
struct ClientBundle {
  std::optional<std::string> javascript;  // the file's bytes when one was found and read
  std::string source_description;         // the file served, or where it was looked for
};

// Reads `explicit_path` if given (throws std::runtime_error naming the path when it cannot
// be read: the operator asked for that file), else the embedded bundle, else the first file
// find_client_bundle() finds (a build made before npm ci).
ClientBundle load_client_bundle(const std::optional<std::filesystem::path>& explicit_path);

// The 404 body for /socket.io/socket.io.js when no bundle is loaded: what is missing,
// where it was looked for, and how to install it.
std::string client_bundle_missing_text(const ClientBundle& bundle);

}  // namespace resync::server::shell
