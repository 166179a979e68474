// OpenVPN status file, versions 2 (comma) and 3 (tab): one CLIENT_LIST row per connected client.
// A snapshot says who was connected since when; it never says when they left.

#include <algorithm>
#include <vector>

#include "audit/parsers/parser.h"
#include "audit/text_util.h"

namespace netwarden::audit {

namespace {

void Split(std::string_view text, char separator, std::vector<std::string_view>& out) {
  out.clear();
  while (true) {
    auto at = text.find(separator);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return;
    text.remove_prefix(at + 1);
  }
}

class OpenVpnStatusParser : public LineParser {
 public:
  LineOutcome Parse(std::string_view line, TimeResolver& /*time*/, Event& out) override {
    line = Trim(line);
    char separator = line.find('\t') != std::string_view::npos ? '\t' : ',';
    Split(line, separator, fields_);
    std::string_view kind = fields_[0];
    if (kind == "HEADER" && fields_.size() > 2 && fields_[1] == "CLIENT_LIST") {
      LearnColumns();
      return LineOutcome::kIgnored;
    }
    if (kind == "TITLE" || kind == "TIME" || kind == "HEADER" || kind == "ROUTING_TABLE" ||
        kind == "GLOBAL_STATS" || kind == "END") {
      return LineOutcome::kIgnored;
    }
    if (kind != "CLIENT_LIST") return LineOutcome::kUnparsed;
    size_t needed = std::max({common_name_, real_address_, virtual_address_, since_, username_});
    if (fields_.size() <= needed) return LineOutcome::kUnparsed;
    auto since = ParseInt(fields_[since_]);
    auto source = ParseAddressWithPort(fields_[real_address_]);
    if (!since || !source) return LineOutcome::kUnparsed;
    out.kind = EventKind::kSessionStart;
    out.time = *since;
    out.source = source;
    out.tunnel = ParseAddress(fields_[virtual_address_]);
    out.user = NormaliseUser(fields_[username_]);
    if (out.user.empty()) out.user = NormaliseUser(fields_[common_name_]);
    out.session_key = std::string(fields_[real_address_]) + "@" + std::string(fields_[since_]);
    return LineOutcome::kEvent;
  }

 private:
  // "HEADER,CLIENT_LIST,Common Name,Real Address,..." names the columns of this version.
  void LearnColumns() {
    for (size_t i = 2; i < fields_.size(); ++i) {
      std::string_view name = fields_[i];
      size_t column = i - 1;
      if (name == "Common Name") common_name_ = column;
      if (name == "Real Address") real_address_ = column;
      if (name == "Virtual Address") virtual_address_ = column;
      if (name == "Connected Since (time_t)") since_ = column;
      if (name == "Username") username_ = column;
    }
  }

  std::vector<std::string_view> fields_;
  // OpenVPN 2.4+ layout until a HEADER line says otherwise.
  size_t common_name_ = 1;
  size_t real_address_ = 2;
  size_t virtual_address_ = 3;
  size_t since_ = 8;
  size_t username_ = 9;
};

}  // namespace

std::unique_ptr<LineParser> MakeOpenVpnStatusParser() {
  return std::make_unique<OpenVpnStatusParser>();
}

}  // namespace netwarden::audit
