// Escapes text for libvirt's XML (element text and single- or double-quoted attribute
// values; reports/text's xml_escape is the HTML-safe one for reports). Header-only, so the real/
// libraries that write libvirt XML share it without linking one another.
#pragma once

#include <string>
#include <string_view>

namespace firedrill {

inline std::string libvirt_xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const char* entity = c == '&'    ? "&amp;"
                         : c == '<'  ? "&lt;"
                         : c == '>'  ? "&gt;"
                         : c == '\'' ? "&apos;"
                         : c == '"'  ? "&quot;"
                                     : nullptr;
    if (entity) {
      out += entity;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace firedrill
