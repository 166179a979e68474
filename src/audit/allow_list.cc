#include "audit/allow_list.h"

#include <fstream>
#include <sstream>

#include "audit/text_util.h"

namespace netwarden::audit {

Result<AllowList> AllowList::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return MakeError(ErrorCode::kIo, "cannot read allow-list '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

Result<AllowList> AllowList::Parse(std::string_view text, const std::string& origin) {
  AllowList list;
  int number = 0;
  while (!text.empty()) {
    std::string_view line = Before(text, "\n");
    text.remove_prefix(std::min(text.size(), line.size() + 1));
    ++number;
    line = Trim(Before(line, "#"));
    if (line.empty()) continue;
    std::string_view token = TokenUntil(line, " \t");
    auto network = IpNetwork::Parse(token);
    if (!network) {
      return MakePolicyError(SourceLocation{origin, number, 1}, network.error().message);
    }
    list.networks_.push_back(*network);
  }
  return list;
}

bool AllowList::Contains(const IpAddress& address) const {
  for (const auto& network : networks_) {
    if (network.Contains(address)) return true;
  }
  return false;
}

}  // namespace netwarden::audit
