#pragma once
// A lost socket as the cluster's table keeps it in Redis (`<prefix>:lost:<private id>`), so
// any node can recover it: "<last id sent>:<socket id>". What is read back is checked: a
// value another program wrote there must not become a socket id or a replay position.
#include <optional>
#include <string>
#include <string_view>

#include "server/core/connection_state_recovery.hpp"

namespace resync::server::cluster {

std::string encode_lost_socket(const DisconnectedSocket& socket);
// Nothing when the text is not one encode_lost_socket wrote.
std::optional<DisconnectedSocket> decode_lost_socket(std::string_view text);

}  // namespace resync::server::cluster
