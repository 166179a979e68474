#pragma once
// Strict, location-aware reading of YAML documents (policy and situation files).
// Collects every error with file:line:col instead of stopping at the first, and never throws.

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace netwarden {

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  // Parses text; a syntax error is recorded and an undefined node returned.
  YAML::Node Load(std::string_view text);

  SourceLocation At(const YAML::Node& node) const;
  void Fail(const YAML::Node& node, std::string message);
  void Warn(const YAML::Node& node, std::string message);

  // True when `node` is a map; reports unknown and duplicate keys (`what` names the map).
  bool ExpectMap(const YAML::Node& node, std::string_view what,
                 std::initializer_list<std::string_view> allowed_keys);
  // True when `node` is a sequence (an absent node counts as an empty one).
  bool ExpectSequence(const YAML::Node& node, std::string_view what);

  std::optional<std::string> String(const YAML::Node& node, std::string_view what);
  std::optional<long long> Integer(const YAML::Node& node, std::string_view what, long long min,
                                   long long max);
  std::optional<uint16_t> Port(const YAML::Node& node, std::string_view what);
  std::optional<IpAddress> Address(const YAML::Node& node, std::string_view what);
  std::optional<IpNetwork> Network(const YAML::Node& node, std::string_view what);
  // A numeric uid, or a user name known on this machine.
  std::optional<uint32_t> User(const YAML::Node& node, std::string_view what);
  // One of `choices`, or an error listing them.
  std::optional<std::string> Choice(const YAML::Node& node, std::string_view what,
                                    std::initializer_list<std::string_view> choices);

  const std::string& file() const { return file_; }
  bool failed() const { return !errors_.empty(); }
  // All recorded errors folded into one (the first, with the others in `more`).
  Error TakeError();
  std::vector<Error> TakeWarnings() { return std::move(warnings_); }

 private:
  std::string file_;
  std::vector<Error> errors_;
  std::vector<Error> warnings_;
};

}  // namespace netwarden
