// libvirt XML through libxml2: each fact is one XPath expression over the parsed document.
#include "real/import/xml_facts.hpp"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <memory>

namespace firedrill::import {
namespace {

// A parsed document and an XPath context over it, freed together.
class XmlDocument {
 public:
  static std::unique_ptr<XmlDocument> parse(const std::string& text, std::string& error) {
    // NONET: a document never makes the parser fetch anything; NOERROR/NOWARNING: libxml2
    // does not print on stderr, the caller reports.
    xmlDocPtr doc =
        xmlReadMemory(text.data(), static_cast<int>(text.size()), "libvirt.xml", nullptr,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
      const xmlError* last = xmlGetLastError();
      error = last && last->message ? trim(last->message) : "not well-formed XML";
      return nullptr;
    }
    std::unique_ptr<XmlDocument> document(new XmlDocument(doc));
    if (!document->context_) {
      error = "cannot evaluate XPath (out of memory)";
      return nullptr;
    }
    return document;
  }
  ~XmlDocument() {
    if (context_) xmlXPathFreeContext(context_);
    xmlFreeDoc(doc_);
  }
  XmlDocument(const XmlDocument&) = delete;
  XmlDocument& operator=(const XmlDocument&) = delete;

  // The XPath string() of `expression`: "" when it selects nothing.
  std::string text(const std::string& expression) const {
    xmlXPathObjectPtr result = evaluate("string(" + expression + ")");
    std::string value;
    if (result && result->type == XPATH_STRING && result->stringval) {
      value = reinterpret_cast<const char*>(result->stringval);
    }
    xmlXPathFreeObject(result);
    return value;
  }

  int count(const std::string& expression) const {
    xmlXPathObjectPtr result = evaluate("count(" + expression + ")");
    const int value =
        result && result->type == XPATH_NUMBER ? static_cast<int>(result->floatval) : 0;
    xmlXPathFreeObject(result);
    return value;
  }

 private:
  explicit XmlDocument(xmlDocPtr doc) : doc_(doc), context_(xmlXPathNewContext(doc)) {}
  xmlXPathObjectPtr evaluate(const std::string& expression) const {
    return xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expression.c_str()), context_);
  }
  static std::string trim(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
  }
  xmlDocPtr doc_;
  xmlXPathContextPtr context_;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::optional<std::uint32_t> parse_ipv4(const std::string& text) {
  std::uint32_t value = 0;
  int octets = 0;
  std::size_t i = 0;
  while (octets < 4) {
    const std::size_t start = i;
    unsigned octet = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - start < 3) {
      octet = octet * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    if (i == start || octet > 255) return std::nullopt;
    value = (value << 8) | octet;
    ++octets;
    if (octets < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return value;
}

std::string format_ipv4(std::uint32_t value) {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
         std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
}

}  // namespace

std::optional<std::string> subnet_of(const std::string& address, int prefix_bits) {
  const auto ip = parse_ipv4(address);
  if (!ip || prefix_bits < 0 || prefix_bits > 32) return std::nullopt;
  const std::uint32_t mask = prefix_bits == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_bits);
  return format_ipv4(*ip & mask) + "/" + std::to_string(prefix_bits);
}

std::optional<std::string> subnet_of(const std::string& address, const std::string& netmask) {
  const auto mask = parse_ipv4(netmask);
  if (!mask) return std::nullopt;
  int bits = 0;
  while (bits < 32 && (*mask & (std::uint32_t{1} << (31 - bits)))) ++bits;
  const std::uint32_t contiguous = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  if (*mask != contiguous) return std::nullopt;
  return subnet_of(address, bits);
}

std::optional<DomainXmlFacts> domain_xml_facts(const std::string& xml, std::string& error) {
  const auto document = XmlDocument::parse(xml, error);
  if (!document) return std::nullopt;
  DomainXmlFacts facts;
  const std::string disk = "/domain/devices/disk[@device='disk'][1]";
  facts.disk_path = document->text(disk + "/source/@file");
  if (facts.disk_path.empty()) facts.disk_path = document->text(disk + "/source/@dev");
  facts.disk_pool = document->text(disk + "/source/@pool");
  facts.disk_volume = document->text(disk + "/source/@volume");
  facts.disk_target = document->text(disk + "/target/@dev");
  const int interfaces = document->count("/domain/devices/interface");
  for (int i = 1; i <= interfaces; ++i) {
    const std::string at = "/domain/devices/interface[" + std::to_string(i) + "]";
    ImportedInterface interface;
    interface.type = document->text(at + "/@type");
    interface.network = interface.type == "network" ? document->text(at + "/source/@network") : "";
    for (const char* attribute : {"bridge", "dev", "name"}) {
      if (!interface.source.empty()) break;
      interface.source = document->text(at + "/source/@" + attribute);
    }
    interface.mac = lower(document->text(at + "/mac/@address"));
    facts.interfaces.push_back(std::move(interface));
  }
  return facts;
}

std::optional<NetworkXmlFacts> network_xml_facts(const std::string& xml, std::string& error) {
  const auto document = XmlDocument::parse(xml, error);
  if (!document) return std::nullopt;
  NetworkXmlFacts facts;
  facts.forward = document->count("/network/forward") > 0;
  const std::string ip = "/network/ip[not(@family) or @family='ipv4'][1]";
  const std::string address = document->text(ip + "/@address");
  const std::string netmask = document->text(ip + "/@netmask");
  const std::string prefix = document->text(ip + "/@prefix");
  std::optional<std::string> subnet;
  if (!netmask.empty()) {
    subnet = subnet_of(address, netmask);
  } else if (!prefix.empty() && prefix.size() <= 2 &&
             std::all_of(prefix.begin(), prefix.end(),
                         [](unsigned char c) { return std::isdigit(c); })) {
    subnet = subnet_of(address, std::stoi(prefix));
  }
  facts.subnet = subnet.value_or("");
  return facts;
}

std::optional<std::string> pool_xml_type(const std::string& xml, std::string& error) {
  const auto document = XmlDocument::parse(xml, error);
  if (!document) return std::nullopt;
  return document->text("/pool/@type");
}

}  // namespace firedrill::import
