#include "audit/report_csp.h"

#include <openssl/evp.h>

#include "audit/report_html_page.h"

namespace netwarden::audit {

std::string CspHashSource(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_Digest(text.data(), text.size(), digest, &digest_size, EVP_sha256(), nullptr);
  unsigned char base64[2 * EVP_MAX_MD_SIZE];
  int written = EVP_EncodeBlock(base64, digest, static_cast<int>(digest_size));
  return "'sha256-" +
         std::string(reinterpret_cast<const char*>(base64), static_cast<size_t>(written)) + "'";
}

const std::string& ReportContentSecurityPolicy() {
  // Computed once: the page's style and script are constants.
  static const std::string policy =
      "default-src 'none'; script-src " + CspHashSource(kReportScript) + "; style-src " +
      CspHashSource(kReportStyle) + "; img-src 'none'; form-action 'self'; base-uri 'none'";
  return policy;
}

}  // namespace netwarden::audit
