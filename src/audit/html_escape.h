#pragma once
// Putting log-derived text into the HTML report. Log lines are attacker-controlled (a user name
// is whatever a client typed at the login prompt), so every string is escaped for the exact
// context it lands in.

#include <string>
#include <string_view>

namespace netwarden::audit {

// Text for an element's content or a double-quoted attribute value: & < > " are escaped.
std::string EscapeHtml(std::string_view text);

// Serialised JSON made safe inside <script type="application/json">: every '<', '>' and '&'
// becomes \u003c, \u003e, \u0026, so no "</script", "<!--" or "<script" can change how the
// HTML tokenizer reads the element (an unmatched "<!--<script>" would otherwise swallow the rest
// of the page); U+2028 and U+2029 become \u2028 / \u2029 so the text is also a valid JavaScript
// literal. The characters only occur inside JSON strings, where the escapes mean the same.
std::string EmbedJsonInScript(std::string_view json);

}  // namespace netwarden::audit
