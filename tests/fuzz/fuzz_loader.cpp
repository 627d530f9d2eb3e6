// Fuzz target for the scenario loader: any bytes, loaded as a scenario and validated as a
// scenario-or-plan, must give a value or diagnostics -- never a crash, a hang or an escaping
// exception. An input whose first line is "#set PATH=VALUE" also exercises the overrides.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/loader_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  firedrill::LoadOptions options;
  constexpr std::string_view kSet = "#set ";
  if (text.substr(0, kSet.size()) == kSet) {
    const std::size_t end = text.find('\n');
    options.overrides.emplace_back(
        text.substr(kSet.size(), end == text.npos ? text.npos : end - kSet.size()));
    text = end == text.npos ? std::string_view() : text.substr(end + 1);
  }
  const firedrill::Result<firedrill::Loaded> loaded =
      firedrill::load_scenario_text(text, "fuzz.json", options);
  std::size_t rendered = 0;
  if (loaded.ok()) {
    for (const auto& warning : loaded.value().warnings) rendered += warning.render().size();
  } else {
    // Every failure explains itself.
    if (loaded.errors().empty()) __builtin_trap();
    for (const auto& error : loaded.errors()) rendered += error.render().size();
  }
  const auto validated = firedrill::validate_text(text, "fuzz.json", options);
  if (!validated.ok() && validated.errors().empty()) __builtin_trap();
  return rendered == static_cast<std::size_t>(-1) ? 1 : 0;
}
