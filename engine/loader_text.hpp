// The loader's in-memory entry points: the same as engine/loader.hpp, for bytes already
// read. `file` is the name used in messages and the base for a relative plan path. The fuzz
// target and the tests use these; load_scenario() and validate_file() read the file and
// call them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"
#include "engine/loader.hpp"

namespace firedrill {

// Largest input file accepted (scenario or plan).
constexpr std::size_t kMaxInputBytes = 16 * 1024 * 1024;

Result<Loaded> load_scenario_text(std::string_view text, const std::string& file,
                                  const LoadOptions& options = {});
Result<std::vector<Diagnostic>> validate_text(std::string_view text, const std::string& file,
                                              const LoadOptions& options = {});

// Reads a whole regular file of at most kMaxInputBytes; on failure returns nullopt and
// says why in `error` (missing, a directory, a device, too large).
std::optional<std::string> read_input_file(const std::string& path, std::string* error);

}  // namespace firedrill
