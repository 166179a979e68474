#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "audit/allow_list.h"
#include "audit/geo.h"
#include "audit/line_reader.h"
#include "audit/text_util.h"

namespace netwarden::audit {
namespace {

TEST(NormaliseUser, OneSpellingPerAccount) {
  EXPECT_EQ(NormaliseUser("CORP\\J.Doe"), "j.doe");
  EXPECT_EQ(NormaliseUser("host\\\\user"), "user");
  EXPECT_EQ(NormaliseUser("first.o'last@example.com"), "first.o'last");
  EXPECT_EQ(NormaliseUser("<Alice>"), "alice");
  EXPECT_EQ(NormaliseUser("\"bob\""), "bob");
  EXPECT_EQ(NormaliseUser("*****"), "");
  EXPECT_EQ(NormaliseUser("UNDEF"), "");
  EXPECT_EQ(NormaliseUser("@weird"), "@weird");
}

TEST(ParseAddress, AcceptsTheShapesLogsUse) {
  EXPECT_EQ(ParseAddress("<81.2.69.144>")->ToString(), "81.2.69.144");
  EXPECT_EQ(ParseAddress("[AF_INET]1.2.3.4")->ToString(), "1.2.3.4");
  EXPECT_FALSE(ParseAddress("1.2.3.256"));
  EXPECT_FALSE(ParseAddress("1.2.3"));
  EXPECT_FALSE(ParseAddress("1.2.3.4.5"));
  EXPECT_EQ(ParseAddressWithPort("udp4:8.8.8.8:40001")->ToString(), "8.8.8.8");
  EXPECT_EQ(ParseAddressWithPort("[2001:240::1]:1194")->ToString(), "2001:240::1");
  EXPECT_EQ(ParseAddressWithPort("2001:240::1")->ToString(), "2001:240::1");
}

TEST(ClassifyAddress, PrivateAndReservedAreNotCountries) {
  auto classify = [](const char* text) { return ClassifyAddress(*IpAddress::Parse(text)); };
  EXPECT_EQ(classify("10.1.2.3"), AddressClass::kPrivate);
  EXPECT_EQ(classify("127.0.0.1"), AddressClass::kPrivate);
  EXPECT_EQ(classify("fd00::1"), AddressClass::kPrivate);
  EXPECT_EQ(classify("100.64.1.1"), AddressClass::kReserved);
  EXPECT_EQ(classify("203.0.113.53"), AddressClass::kReserved);
  EXPECT_EQ(classify("2001:db8::1"), AddressClass::kReserved);
  EXPECT_EQ(classify("133.11.0.1"), AddressClass::kPublic);
  StaticGeoLocator geo;
  geo.Add(*IpNetwork::Parse("10.0.0.0/8"), GeoInfo{AddressClass::kPublic, "JP", "", {}, {}});
  EXPECT_EQ(CountryLabel(geo.Locate(*IpAddress::Parse("10.1.2.3"))), "private");
}

TEST(AllowList, ParsesNetworksAndComments) {
  auto list = AllowList::Parse("# egress\n185.199.108.0/24  # office\n\n2001:db8::/32\n", "t");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_TRUE(list->Contains(*IpAddress::Parse("185.199.108.7")));
  EXPECT_FALSE(list->Contains(*IpAddress::Parse("185.199.109.7")));
  auto bad = AllowList::Parse("ok 1.2.3.4\n", "allow.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().ToString().find("allow.txt:1"), std::string::npos);
}

}  // namespace
}  // namespace netwarden::audit

namespace netwarden::audit {
namespace {

TEST(LineReader, StreamsLongLinesAndStripsCarriageReturns) {
  std::filesystem::path path = std::filesystem::temp_directory_path() / "netwarden-lines.txt";
  std::string long_line(3 << 20, 'x');  // longer than the reader's initial buffer
  {
    std::ofstream out(path, std::ios::binary);
    out << "first\r\n" << long_line << "\n\nlast without newline";
  }
  auto reader = LineReader::Open(path.string());
  ASSERT_TRUE(reader.ok());
  std::vector<std::string> lines;
  std::string_view line;
  while ((*reader)->Next(line)) lines.emplace_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "first");
  EXPECT_EQ(lines[1], long_line);
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3], "last without newline");
  std::filesystem::remove(path);
  EXPECT_FALSE(LineReader::Open("/nonexistent/netwarden.log").ok());
}

}  // namespace
}  // namespace netwarden::audit

namespace netwarden::audit {
namespace {

// Find must answer exactly as std::string_view::find, whatever the needle's anchor byte.
TEST(AuditText, FindAgreesWithStringViewFind) {
  const std::string_view texts[] = {
      "",
      "a",
      "- - - 2024-03-01 07:00:00 - pcs-node1 - [133.11.0.1] u(Users)[] - msg",
      "logid=\"0101039947\" type=\"event\" tunnelid=1 remip=1.2.3.4 x=",
      "::::: : : :",
      "aaaaab aab ab b",
      "ocserv[1]: main[u]:1.2.3.4:5 user logged in ocserv: "};
  const std::string_view needles[] = {"",   "a",   "b",         "- [", ": ",      "] ",
                                      "ab", "aab", "logid=",    "x=",  " 1",      "ocserv[",
                                      ":",  "::",  "1.2.3.4:5", "msg", "nothere", "- "};
  for (std::string_view text : texts) {
    for (std::string_view needle : needles) {
      for (size_t from = 0; from <= text.size() + 1; ++from) {
        EXPECT_EQ(Find(text, needle, from), text.find(needle, from))
            << "'" << text << "' '" << needle << "' from " << from;
      }
    }
  }
}

}  // namespace
}  // namespace netwarden::audit
