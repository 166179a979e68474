// Report safety (issue 11 item 3), `audit serve`: the request guard (Host allow-list, token,
// security headers). The real server on loopback is tested by serve_safety_test.sh.

#include <gtest/gtest.h>

#include <map>

#include "audit/report_csp.h"
#include "audit/serve/request_guard.h"
#include "crafted_strings.h"

namespace netwarden::audit {
namespace {

using testing::CraftedAudit;

TEST(ServeGuard, HostHeaderMustNameThisServer) {
  auto allowed = AllowedHosts("127.0.0.1", {"Audit.Example.org:443"});
  EXPECT_TRUE(HostAllowed("127.0.0.1:8080", allowed));
  EXPECT_TRUE(HostAllowed("localhost:8080", allowed));
  EXPECT_TRUE(HostAllowed("LOCALHOST.", allowed));
  EXPECT_TRUE(HostAllowed("[::1]:8080", allowed));
  EXPECT_TRUE(HostAllowed("audit.example.org", allowed));
  EXPECT_FALSE(HostAllowed("evil.example:8080", allowed));  // DNS rebinding
  EXPECT_FALSE(HostAllowed("127.0.0.1.evil.example", allowed));
  EXPECT_FALSE(HostAllowed("", allowed));
  EXPECT_FALSE(HostAllowed("::1", allowed));  // unbracketed IPv6 is not a Host
  EXPECT_FALSE(HostAllowed("[::1", allowed));
  EXPECT_FALSE(HostAllowed("local host", allowed));
  EXPECT_FALSE(HostAllowed("user@localhost", allowed));
  // A wildcard bind names no host; a specific address is allowed, IPv6 too.
  EXPECT_EQ(AllowedHosts("0.0.0.0", {}),
            (std::vector<std::string>{"127.0.0.1", "::1", "localhost"}));
  EXPECT_TRUE(HostAllowed("[2001:db8::5]:9000", AllowedHosts("2001:db8::5", {})));
  EXPECT_TRUE(HostAllowed("192.0.2.7:9000", AllowedHosts("192.0.2.7", {})));
  EXPECT_EQ(HostOfHeader("Audit.Example:8080"), "audit.example");
  EXPECT_EQ(HostOfHeader("[::1]:80"), "::1");
  EXPECT_EQ(HostOfHeader("[::1]x"), std::nullopt);
}

TEST(ServeGuard, TokenIsRandomAndComparedExactly) {
  auto first = NewAccessToken();
  auto second = NewAccessToken();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(TokenMatches(*first, *first));
  EXPECT_FALSE(TokenMatches(*second, *first));
  EXPECT_FALSE(TokenMatches("", *first));
  EXPECT_FALSE(TokenMatches(first->substr(0, 63), *first));
  EXPECT_FALSE(TokenMatches(*first + "0", *first));
  EXPECT_FALSE(TokenMatches("", ""));  // no token configured: nothing matches
}

TEST(ServeGuard, SecurityHeadersCarryThePolicy) {
  auto headers = SecurityHeaders();
  std::map<std::string, std::string> by_name(headers.begin(), headers.end());
  EXPECT_EQ(by_name["Content-Security-Policy"],
            ReportContentSecurityPolicy() + "; frame-ancestors 'none'");
  EXPECT_EQ(by_name["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(by_name["Referrer-Policy"], "no-referrer");
}

TEST(ServeGuard, ServedPageFormKeepsTheToken) {
  CraftedAudit audit;
  ServedQuery query;
  query.user = "\"><script>";
  query.token = "00ff";
  audit.context.served_query = query;
  std::string html = testing::HtmlReport(audit);
  EXPECT_NE(html.find("<input type=\"hidden\" name=\"token\" value=\"00ff\">"), std::string::npos);
  EXPECT_NE(html.find("value=\"&quot;&gt;&lt;script&gt;\""), std::string::npos);
}

}  // namespace
}  // namespace netwarden::audit
