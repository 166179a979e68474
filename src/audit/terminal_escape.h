#pragma once
// Log text printed to the operator's terminal (the summary's unparsed examples, user names,
// file names): a crafted log line must not be able to drive the terminal.

#include <string>
#include <string_view>

namespace netwarden::audit {

// C0 controls and DEL become \xNN (tab \t), C1 controls (U+0080..U+009F, whose 8-bit forms some
// terminals read as CSI and OSC) \u{NNNN}: no escape sequence in a log line can retitle, recolour,
// clear or rewrite the screen. Bidi marks, embeddings, overrides and isolates and the line /
// paragraph separators become \u{NNNN}, so text cannot visibly reorder; bytes that are not valid
// UTF-8 become \xNN. Everything else, backslashes and other non-ASCII text included, is kept.
std::string EscapeForTerminal(std::string_view text);

}  // namespace netwarden::audit
