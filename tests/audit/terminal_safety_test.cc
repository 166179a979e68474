// Report safety (issue 11 item 3), terminal: log text printed by the summary (unparsed example
// lines, names, findings) never reaches the operator's terminal as control characters.

#include <gtest/gtest.h>

#include <sstream>

#include "audit/report_text.h"
#include "audit/terminal_escape.h"
#include "crafted_strings.h"

namespace netwarden::audit {
namespace {

using testing::CraftedAudit;

TEST(TerminalSafety, EscapeForTerminalEscapesControlsAndKeepsText) {
  EXPECT_EQ(EscapeForTerminal("plain text \\ DOMAIN\\user"), "plain text \\ DOMAIN\\user");
  EXPECT_EQ(EscapeForTerminal("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(EscapeForTerminal("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
  EXPECT_EQ(EscapeForTerminal(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeForTerminal("tab\there\r\n\x7f"), "tab\\there\\x0d\\x0a\\x7f");
  EXPECT_EQ(EscapeForTerminal("\u009b31m"), "\\u{009b}31m");  // C1 CSI, UTF-8 encoded
  EXPECT_EQ(EscapeForTerminal("\x9b"
                              "31m"),
            "\\x9b31m");  // C1 CSI as a raw byte
  EXPECT_EQ(EscapeForTerminal("rtl\u202Eevil"), "rtl\\u{202e}evil");
  EXPECT_EQ(EscapeForTerminal("iso\u2066x\u2069"), "iso\\u{2066}x\\u{2069}");
  EXPECT_EQ(EscapeForTerminal("\u65e5\u672c \u00e9 \U0001F600"), "\u65e5\u672c \u00e9 \U0001F600");
  EXPECT_EQ(EscapeForTerminal("bad\xff\xfe"), "bad\\xff\\xfe");
  EXPECT_EQ(EscapeForTerminal("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(EscapeForTerminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(EscapeForTerminal("\xe6\x97"), "\\xe6\\x97");           // truncated
}

TEST(TerminalSafety, TextSummaryPrintsNoControlCharacter) {
  CraftedAudit audit;
  std::ostringstream out;
  WriteTextSummary(out, audit.context);
  std::string text = out.str();
  EXPECT_NE(text.find("unparsed line 7: <!--<script> \\x1b[2J unparsed"), std::string::npos)
      << text.substr(0, 2000);
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    ASSERT_TRUE(byte >= 0x20 || byte == '\n') << "control byte " << int{byte} << " printed";
    ASSERT_NE(byte, 0x7F);
  }
  EXPECT_EQ(text.find("\u202E"), std::string::npos);
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos);
}

}  // namespace
}  // namespace netwarden::audit
