// Rendering diagnostics the way every message of the tool reads.
#include "engine/error.hpp"

namespace firedrill {

std::string Diagnostic::render() const {
  std::string text;
  if (severity == Severity::warning) text += "warning: ";
  text += file.empty() ? "<input>" : file;
  text += ": ";
  if (!json_path.empty()) text += json_path + ": ";
  text += message;
  return text;
}

}  // namespace firedrill
