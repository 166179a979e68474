// The report-safety escapers on arbitrary bytes (a log string can be anything), checking the
// property each one promises rather than only that it does not crash: the embedded JSON holds
// no character the HTML tokenizer reads and parses back to the same value; terminal text holds
// no control byte; a CSV field never starts like a formula; HTML text has no markup character;
// a Host header's host holds only host-name characters.

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "audit/html_escape.h"
#include "audit/outputs.h"
#include "audit/serve/request_guard.h"
#include "audit/terminal_escape.h"

namespace {

void Check(bool property) {
  if (!property) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netwarden::audit;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string json =
      nlohmann::json::array({text}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string embedded = EmbedJsonInScript(json);
  Check(embedded.find_first_of("<>&") == std::string::npos);
  Check(embedded.find("\u2028") == std::string::npos &&
        embedded.find("\u2029") == std::string::npos);
  Check(nlohmann::json::parse(embedded) == nlohmann::json::parse(json));

  for (char c : EscapeForTerminal(text)) {
    auto byte = static_cast<unsigned char>(c);
    Check(byte >= 0x20 && byte != 0x7F);
  }

  std::string field = CsvField(text);
  std::string_view unquoted = field;
  if (!unquoted.empty() && unquoted.front() == '"') unquoted.remove_prefix(1);
  Check(unquoted.empty() ||
        std::string_view("=+-@\t\r").find(unquoted.front()) == std::string_view::npos);

  Check(EscapeHtml(text).find_first_of("<>\"") == std::string::npos);

  if (auto host = HostOfHeader(text)) {
    Check(!host->empty() &&
          host->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-._:") == std::string::npos);
  }
  return 0;
}
