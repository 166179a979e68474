#include "core/yaml_reader.h"

#include <pwd.h>

#include <cctype>
#include <set>

namespace netwarden {

YAML::Node YamlReader::Load(std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    errors_.push_back(MakePolicyError({file_, e.mark.line + 1, e.mark.column + 1},
                                      "YAML syntax error: " + e.msg));
  } catch (const std::exception& e) {
    errors_.push_back(MakePolicyError({file_, 1, 1}, std::string("cannot parse: ") + e.what()));
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

SourceLocation YamlReader::At(const YAML::Node& node) const {
  const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
  if (mark.is_null()) return {file_, 1, 1};
  return {file_, mark.line + 1, mark.column + 1};
}

void YamlReader::Fail(const YAML::Node& node, std::string message) {
  errors_.push_back(MakePolicyError(At(node), std::move(message)));
}

void YamlReader::Warn(const YAML::Node& node, std::string message) {
  warnings_.push_back(MakePolicyError(At(node), std::move(message)));
}

bool YamlReader::ExpectMap(const YAML::Node& node, std::string_view what,
                           std::initializer_list<std::string_view> allowed_keys) {
  if (!node.IsMap()) {
    Fail(node, std::string(what) + " must be a mapping");
    return false;
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      Fail(entry.first, "keys of " + std::string(what) + " must be plain words");
      continue;
    }
    const std::string key = entry.first.Scalar();
    bool known = false;
    for (auto allowed : allowed_keys) known = known || key == allowed;
    if (!known) {
      std::string list;
      for (auto allowed : allowed_keys) list += (list.empty() ? "" : ", ") + std::string(allowed);
      Fail(entry.first, "unknown key '" + key + "' in " + std::string(what) + " (expected one of: " +
                            list + ")");
    } else if (!seen.insert(key).second) {
      Fail(entry.first, "duplicate key '" + key + "' in " + std::string(what));
    }
  }
  return true;
}

bool YamlReader::ExpectSequence(const YAML::Node& node, std::string_view what) {
  if (!node.IsDefined() || node.IsNull() || node.IsSequence()) return true;
  Fail(node, std::string(what) + " must be a list");
  return false;
}

std::optional<std::string> YamlReader::String(const YAML::Node& node, std::string_view what) {
  if (!node.IsDefined() || node.IsNull()) {
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    Fail(node, std::string(what) + " must be a single value");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<long long> YamlReader::Integer(const YAML::Node& node, std::string_view what,
                                             long long min, long long max) {
  auto text = String(node, what);
  if (!text) return std::nullopt;
  long long value = 0;
  size_t used = 0;
  try {
    value = std::stoll(*text, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text->size()) {
    Fail(node, std::string(what) + " must be a whole number, not '" + *text + "'");
    return std::nullopt;
  }
  if (value < min || value > max) {
    Fail(node, std::string(what) + " " + *text + " is out of range (" + std::to_string(min) +
                   ".." + std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<uint16_t> YamlReader::Port(const YAML::Node& node, std::string_view what) {
  auto value = Integer(node, what, 1, 65535);
  if (!value) return std::nullopt;
  return static_cast<uint16_t>(*value);
}

std::optional<IpAddress> YamlReader::Address(const YAML::Node& node, std::string_view what) {
  auto text = String(node, what);
  if (!text) return std::nullopt;
  auto address = IpAddress::Parse(*text);
  if (!address) {
    Fail(node, std::string(what) + ": " + address.error().message);
    return std::nullopt;
  }
  return *address;
}

std::optional<IpNetwork> YamlReader::Network(const YAML::Node& node, std::string_view what) {
  auto text = String(node, what);
  if (!text) return std::nullopt;
  auto network = IpNetwork::Parse(*text);
  if (!network) {
    Fail(node, std::string(what) + ": " + network.error().message);
    return std::nullopt;
  }
  return *network;
}

std::optional<uint32_t> YamlReader::User(const YAML::Node& node, std::string_view what) {
  auto text = String(node, what);
  if (!text || text->empty()) {
    Fail(node, std::string(what) + " must be a uid or a user name");
    return std::nullopt;
  }
  if (std::isdigit(static_cast<unsigned char>((*text)[0]))) {
    auto uid = Integer(node, what, 0, 0xfffffffeLL);
    if (!uid) return std::nullopt;
    return static_cast<uint32_t>(*uid);
  }
  if (const passwd* entry = getpwnam(text->c_str())) return entry->pw_uid;
  Fail(node, "unknown user '" + *text + "' on this machine (use a numeric uid)");
  return std::nullopt;
}

std::optional<std::string> YamlReader::Choice(const YAML::Node& node, std::string_view what,
                                              std::initializer_list<std::string_view> choices) {
  auto text = String(node, what);
  if (!text) return std::nullopt;
  std::string list;
  for (auto choice : choices) {
    if (*text == choice) return text;
    list += (list.empty() ? "" : " | ") + std::string(choice);
  }
  Fail(node, std::string(what) + " must be " + list + ", not '" + *text + "'");
  return std::nullopt;
}

Error YamlReader::TakeError() {
  Error first = errors_.front();
  first.more.assign(errors_.begin() + 1, errors_.end());
  errors_.clear();
  return first;
}

}  // namespace netwarden
