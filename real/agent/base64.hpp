// Base64 (RFC 4648, with padding), as the guest agent carries file contents and process
// output in its JSON.
#pragma once

#include <string>
#include <string_view>

namespace firedrill::agent {

std::string base64_encode(std::string_view bytes);
// Throws AgentError(Protocol) on a character outside the alphabet or a bad length.
std::string base64_decode(std::string_view text);

}  // namespace firedrill::agent
