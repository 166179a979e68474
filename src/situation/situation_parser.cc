#include <charconv>

#include "core/file.h"
#include "core/interface_name.h"
#include "core/yaml_reader.h"
#include "situation/situation.h"

namespace netwarden {
namespace {

std::optional<InterfaceAddress> ParseInterfaceAddress(YamlReader& reader, const YAML::Node& node) {
  auto text = reader.String(node, "an interface address");
  if (!text) return std::nullopt;
  const auto slash = text->find('/');
  auto address = IpAddress::Parse(text->substr(0, slash));
  if (!address) {
    reader.Fail(node, address.error().message);
    return std::nullopt;
  }
  InterfaceAddress result{*address, address->bit_width()};
  if (slash != std::string::npos) {
    const std::string length = text->substr(slash + 1);
    auto [end, ec] =
        std::from_chars(length.data(), length.data() + length.size(), result.prefix_len);
    if (ec != std::errc() || end != length.data() + length.size() || result.prefix_len < 0 ||
        result.prefix_len > address->bit_width()) {
      reader.Fail(node, "'" + *text + "' has an invalid prefix length");
      return std::nullopt;
    }
  }
  return result;
}

void ParseAddressList(YamlReader& reader, const YAML::Node& list, const char* what,
                      std::vector<IpAddress>& out) {
  if (!reader.ExpectSequence(list, what) || !list) return;
  for (const auto& entry : list) {
    if (auto address = reader.Address(entry, what)) out.push_back(*address);
  }
}

}  // namespace

Result<Situation> ParseSituation(std::string_view text, const std::string& file_name) {
  YamlReader reader(file_name);
  Situation situation;
  YAML::Node root = reader.Load(text);
  if (reader.failed()) return reader.TakeError();
  if (!root.IsDefined() || root.IsNull()) return situation;  // nothing observed: no network
  if (!reader.ExpectMap(
          root, "the situation",
          {"interfaces", "verified_trusted", "resolved", "dns_resolvers", "portal_window_open"})) {
    return reader.TakeError();
  }
  const YAML::Node& interfaces = root["interfaces"];
  if (reader.ExpectSequence(interfaces, "interfaces") && interfaces) {
    for (const auto& node : interfaces) {
      if (!reader.ExpectMap(node, "an interface", {"name", "addresses", "kind"})) continue;
      InterfaceState state;
      auto name = reader.String(node["name"], "name");
      if (!name || name->empty() || name->size() > 15) {
        reader.Fail(node, "an interface needs a 'name' of 1 to 15 characters");
        continue;
      }
      if (auto problem = InterfaceNameProblem(*name)) {
        reader.Fail(node["name"], *problem);
        continue;
      }
      state.name = *name;
      if (node["kind"]) {
        // The link kind as `ip -d link` shows it; "" for a device without one (a physical NIC).
        auto kind = reader.String(node["kind"], "kind");
        if (!kind) continue;
        state.kind = *kind;
      }
      const YAML::Node& addresses = node["addresses"];
      if (reader.ExpectSequence(addresses, "addresses") && addresses) {
        for (const auto& entry : addresses) {
          if (auto address = ParseInterfaceAddress(reader, entry))
            state.addresses.push_back(*address);
        }
      }
      situation.interfaces.push_back(std::move(state));
    }
  }
  const YAML::Node& verified = root["verified_trusted"];
  if (reader.ExpectSequence(verified, "verified_trusted") && verified) {
    for (const auto& node : verified) {
      if (!reader.ExpectMap(node, "a verified trusted network", {"network", "interface"})) continue;
      auto network = reader.String(node["network"], "network");
      auto interface = reader.String(node["interface"], "interface");
      if (!network || !interface) {
        reader.Fail(node, "a verified trusted network needs 'network' and 'interface'");
        continue;
      }
      if (auto problem = InterfaceNameProblem(*interface)) {
        reader.Fail(node["interface"], *problem);
        continue;
      }
      situation.verified_trusted.push_back({*network, *interface});
    }
  }
  const YAML::Node& resolved = root["resolved"];
  if (resolved && !resolved.IsNull() && !resolved.IsMap()) {
    reader.Fail(resolved, "resolved must map host names to address lists");
  } else if (resolved && resolved.IsMap()) {
    for (const auto& entry : resolved) {
      auto& addresses = situation.resolved[entry.first.Scalar()];
      ParseAddressList(reader, entry.second, "a resolved address", addresses);
    }
  }
  ParseAddressList(reader, root["dns_resolvers"], "a DNS resolver", situation.dns_resolvers);
  if (root["portal_window_open"]) {
    auto open = reader.Choice(root["portal_window_open"], "portal_window_open", {"true", "false"});
    situation.portal_window_open = open && *open == "true";
  }
  if (reader.failed()) return reader.TakeError();
  return situation;
}

Result<Situation> LoadSituationFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return text.error();
  return ParseSituation(*text, path);
}

}  // namespace netwarden
