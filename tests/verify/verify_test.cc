// Kernel-free tests of `netwarden verify`: the model of rendered rulesets (and of a listing
// recorded from a real kernel) proves for random policies and situations, and each mutation of
// an installed table is caught with a counterexample naming the right packet and rule.
#include "verify/verify.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "compiler/compiler.h"
#include "core/file.h"
#include "policy/policy_parser.h"
#include "verify/evaluate.h"
#include "verify/ruleset_listing.h"
#include "verify/states.h"

namespace netwarden::verify {
namespace {

using nlohmann::json;

std::string SourcePath(const std::string& relative) {
  return std::string(NETWARDEN_SOURCE_DIR) + "/" + relative;
}

EffectivePolicy GoldenFull() {
  auto policy = LoadPolicyFile(SourcePath("tests/golden/render/full.policy.yaml"));
  auto situation = LoadSituationFile(SourcePath("tests/golden/render/full.situation.yaml"));
  EXPECT_TRUE(policy && situation);
  return Resolve(*policy, *situation);
}

VerifyOptions Options() {
  VerifyOptions options;
  options.preferred_interfaces = {"wlan0", "eth0"};
  return options;
}

VerifyReport Check(const std::string& listing, const EffectivePolicy& effective) {
  Model model;
  auto added = AddListing(model, listing);
  EXPECT_TRUE(added) << added.error().ToString();
  auto report = CheckLeaks(model, effective, Options());
  EXPECT_TRUE(report) << report.error().ToString();
  return report ? *report : VerifyReport{};
}

std::string Joined(const VerifyReport& report) {
  std::string out;
  for (const auto& line : report.counterexamples) out += line + "\n";
  return out;
}

// The listing as JSON, to mutate the way `nft` commands would.
json Listing(const EffectivePolicy& effective) {
  return json::parse(RulesetListing(Compile(effective)));
}

json* FindRule(json& listing, const std::string& chain, const std::string& comment, int nth = 0) {
  for (auto& object : listing["nftables"]) {
    if (object.contains("rule") && object["rule"]["chain"] == chain &&
        object["rule"].value("comment", "") == comment && nth-- == 0) {
      return &object["rule"];
    }
  }
  return nullptr;
}

json* FindObject(json& listing, const char* kind, const std::string& name) {
  for (auto& object : listing["nftables"]) {
    if (object.contains(kind) && object[kind]["name"] == name) return &object[kind];
  }
  return nullptr;
}

TEST(IntervalSet, UnionIntersectSubtract) {
  const IntervalSet a = IntervalSet::FromIntervals({{1, 5}, {10, 20}, {6, 6}});
  EXPECT_EQ(a.size(), 2u);  // 1-6 merged (adjacent), 10-20
  EXPECT_TRUE(a.Contains(6));
  EXPECT_FALSE(a.Contains(7));
  const IntervalSet b = IntervalSet::Range(4, 12);
  EXPECT_EQ(a.Intersect(b), IntervalSet::FromIntervals({{4, 6}, {10, 12}}));
  EXPECT_EQ(a.Subtract(b), IntervalSet::FromIntervals({{1, 3}, {13, 20}}));
  EXPECT_EQ(a.Union(b), IntervalSet::Range(1, 20));
  const IntervalSet full = IntervalSet::Range(0, ~Value(0));
  EXPECT_TRUE(full.Subtract(full).empty());
  EXPECT_EQ(full.Subtract(IntervalSet::Point(~Value(0))), IntervalSet::Range(0, ~Value(0) - 1));
}

TEST(HeaderSpace, SubtractPartitionsExactly) {
  Cube a = FullCube(IpFamily::kV4);
  Cube b = a;
  b.fields[kThDport] = Share(IntervalSet::Point(443));
  b.fields[kL4proto] = Share(IntervalSet::Point(kProtoTcp));
  Region rest = Subtract(Region{a}, b);
  EXPECT_TRUE(Intersect(rest, Region{b}).empty());
  EXPECT_TRUE(Subtract(Subtract(Region{a}, rest), b).empty());
}

// The model of the listing a real kernel gave for tests/golden/render/full.nft and the model of
// RulesetListing() for the same ruleset accept exactly the same packets on every hook.
TEST(Listing, MatchesWhatTheKernelLists) {
  const EffectivePolicy effective = GoldenFull();
  auto kernel_text = ReadFile(SourcePath("tests/verify/data/full.kernel.json"));
  ASSERT_TRUE(kernel_text);
  Model kernel;
  ASSERT_TRUE(AddListing(kernel, *kernel_text));
  auto ours = ModelOfRuleset(Compile(effective), EffectivePolicy{}, &kernel.interfaces);
  ASSERT_TRUE(ours) << ours.error().ToString();
  for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
    for (const char* hook : {"output", "input", "forward"}) {
      auto a = EvaluatePath(kernel, {hook}, family, Region{FullCube(family)});
      auto b = EvaluatePath(*ours, {hook}, family, Region{FullCube(family)});
      ASSERT_TRUE(a && b);
      EXPECT_TRUE(Subtract(RegionOf(a->accepted), RegionOf(b->accepted)).empty()) << hook;
      EXPECT_TRUE(Subtract(RegionOf(b->accepted), RegionOf(a->accepted)).empty()) << hook;
    }
  }
  const VerifyReport report = Check(*kernel_text, effective);
  EXPECT_TRUE(report.proved) << Joined(report);
}

EffectivePolicy GoldenBreakoutPorts() {
  auto policy = LoadPolicyFile(SourcePath("tests/golden/render/breakout-ports.policy.yaml"));
  auto situation =
      LoadSituationFile(SourcePath("tests/golden/render/breakout-ports.situation.yaml"));
  EXPECT_TRUE(policy && situation);
  return Resolve(*policy, *situation);
}

// The same for breakout entries with ports (a prefix set and a port-range rule per profile, as a
// real kernel lists them).
TEST(Listing, BreakoutPortsMatchWhatTheKernelLists) {
  const EffectivePolicy effective = GoldenBreakoutPorts();
  auto kernel_text = ReadFile(SourcePath("tests/verify/data/breakout-ports.kernel.json"));
  ASSERT_TRUE(kernel_text);
  Model kernel;
  ASSERT_TRUE(AddListing(kernel, *kernel_text));
  auto ours = ModelOfRuleset(Compile(effective), EffectivePolicy{}, &kernel.interfaces);
  ASSERT_TRUE(ours) << ours.error().ToString();
  for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
    auto a = EvaluatePath(kernel, {"output"}, family, Region{FullCube(family)});
    auto b = EvaluatePath(*ours, {"output"}, family, Region{FullCube(family)});
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(Subtract(RegionOf(a->accepted), RegionOf(b->accepted)).empty());
    EXPECT_TRUE(Subtract(RegionOf(b->accepted), RegionOf(a->accepted)).empty());
  }
  EXPECT_TRUE(Check(*kernel_text, effective).proved);
  auto equivalence = CheckEquivalence(kernel, effective, Options());
  ASSERT_TRUE(equivalence);
  EXPECT_TRUE(equivalence->proved) << Joined(*equivalence);
}

// A breakout rule's port range widened by one port in the kernel: exactly that port of that
// profile's prefixes is the counterexample.
TEST(Mutation, WidenedBreakoutPortRangeIsCaught) {
  const EffectivePolicy effective = GoldenBreakoutPorts();
  json listing = Listing(effective);
  bool widened = false;
  for (auto& object : listing["nftables"]) {
    if (!object.contains("rule") || object["rule"].value("comment", "") != "breakout") continue;
    for (auto& expression : object["rule"]["expr"]) {
      if (!expression.contains("match")) continue;
      auto& right = expression["match"]["right"];
      if (right.is_object() && right.contains("range") && right["range"][0] == 3478) {
        right["range"][1] = 3482;
        widened = true;
      }
    }
  }
  ASSERT_TRUE(widened);
  const VerifyReport report = Check(listing.dump(), effective);
  ASSERT_FALSE(report.proved);
  EXPECT_NE(Joined(report).find("proto=udp uid=any dst=192.0.2.50 dport=3482 oif=wlan0"),
            std::string::npos)
      << Joined(report);
  EXPECT_EQ(Joined(report).find("dport=3481"), std::string::npos) << Joined(report);
}

const char* kPolicies[] = {
    R"(version: 1
vpn:
  gateways:
    - {host: vpn.example.net, protocol: udp, port: 51820}
    - {address: 203.0.113.10, protocol: tcp, port: 443, user: 1000}
    - {address: "2001:db8::10", protocol: udp, port: 51820}
  tunnel_interfaces: ["wg*", "tun0"]
trusted_networks:
  - {name: office, https_probe: {url: "https://10.20.0.5/", sha256: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}}
  - {name: branch, interface_subnet: 10.30.0.0/16}
proxies: [{address: 10.20.0.8, port: 3128}]
exceptions:
  breakout: [{cidr: 192.0.2.96/28}, {host: meet.example.com}, {cidr: "2001:db8:99::/48"}]
  captive_portal: [{host: login.hotspot.example}]
  lan: private
  dns_resolvers: [192.168.1.1]
)",
    R"(version: 1
vpn:
  gateways: [{address: 198.51.100.1, protocol: udp, port: 51820, user: 0}]
  tunnel_interfaces: ["wg0"]
exceptions: {lan: none}
)",
    "version: 1\nvpn:\n",
    // Breakouts naming protocols and ports (nested prefixes, shared profiles).
    R"(version: 1
vpn:
  gateways: [{address: 198.51.100.1, protocol: udp, port: 51820}]
  tunnel_interfaces: ["wg0"]
exceptions:
  breakout:
    - {host: meet.example.com, protocol: udp, ports: [3478-3481]}
    - {host: meet.example.com, protocol: tcp, ports: [443]}
    - {cidr: 192.0.2.64/26, ports: [80, 443]}
    - {cidr: 192.0.2.96/28, protocol: udp, ports: [22-3480]}
    - {cidr: 192.0.2.99, protocol: tcp}
    - {cidr: "2001:db8:99::/48", protocol: udp, ports: [443, 51821]}
    - {cidr: 203.0.113.0/24}
)",
};

Situation RandomSituation(std::mt19937& random) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  Situation situation;
  const char* eth_addresses[] = {"192.168.1.10", "10.30.4.4", "192.0.2.10", "10.20.9.9"};
  situation.interfaces.push_back({"eth0", {{*IpAddress::Parse(eth_addresses[pick(4)]), 24}}});
  if (pick(2)) situation.interfaces.push_back({"wg0", {{*IpAddress::Parse("10.99.0.2"), 32}}});
  if (pick(3) == 0)
    situation.interfaces.push_back({"tun0", {{*IpAddress::Parse("fd00:99::2"), 128}}});
  if (pick(3) == 0) situation.verified_trusted.push_back({"office", "eth0"});
  if (pick(4)) situation.resolved["vpn.example.net"] = {*IpAddress::Parse("198.51.100.1")};
  if (pick(2)) situation.resolved["meet.example.com"] = {*IpAddress::Parse("192.0.2.80")};
  if (pick(2)) situation.resolved["login.hotspot.example"] = {*IpAddress::Parse("192.0.2.200")};
  if (pick(2)) situation.dns_resolvers.push_back(*IpAddress::Parse("10.30.1.1"));
  situation.portal_window_open = pick(4) == 0;
  return situation;
}

TEST(Verify, RandomPoliciesAndSituationsProve) {
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  for (const char* text : kPolicies) {
    auto policy = ParsePolicy(text, "p.yaml");
    ASSERT_TRUE(policy) << policy.error().ToString();
    for (int s = 0; s < 12; ++s) {
      const EffectivePolicy effective = Resolve(*policy, RandomSituation(random));
      auto model = ModelOfRuleset(Compile(effective), effective);
      ASSERT_TRUE(model) << model.error().ToString();
      auto leaks = CheckLeaks(*model, effective, Options());
      ASSERT_TRUE(leaks);
      EXPECT_TRUE(leaks->proved) << "seed " << seed << "\n" << Joined(*leaks);
      auto equivalence = CheckEquivalence(*model, effective, Options());
      ASSERT_TRUE(equivalence);
      EXPECT_TRUE(equivalence->proved) << "seed " << seed << "\n" << Joined(*equivalence);
      for (const auto& note : equivalence->notes) ADD_FAILURE() << note;
    }
  }
}

TEST(Mutation, InsertedAcceptIsCaught) {
  const EffectivePolicy effective = GoldenFull();
  json listing = Listing(effective);
  json* last = FindRule(listing, "output", "default-block");
  ASSERT_TRUE(last);
  json inserted = *last;
  inserted["handle"] = 900;
  inserted.erase("comment");
  inserted["expr"] = json::parse(
      R"([{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":8443}},{"accept":null}])");
  listing["nftables"].push_back({{"rule", inserted}});
  // Appended after default-block: unreachable, still proved.
  EXPECT_TRUE(Check(listing.dump(), effective).proved);
  // Inserted before it (nft insert ... position): the leak.
  auto& objects = listing["nftables"];
  json moved = objects.back();
  objects.erase(objects.size() - 1);
  for (size_t i = 0; i < objects.size(); ++i) {
    if (objects[i].contains("rule") && objects[i]["rule"]["handle"] == (*last)["handle"]) {
      objects.insert(objects.begin() + static_cast<long>(i), moved);
      break;
    }
  }
  const VerifyReport report = Check(listing.dump(), effective);
  ASSERT_FALSE(report.proved);
  EXPECT_NE(
      Joined(report).find(
          "counterexample: proto=tcp uid=any dst=93.184.216.34 dport=8443 oif=wlan0 rule=900 \"\""),
      std::string::npos)
      << Joined(report);
}

TEST(Mutation, WidenedSetElementIsCaught) {
  const EffectivePolicy effective = GoldenFull();
  json listing = Listing(effective);
  json* breakout = FindObject(listing, "set", "breakout4");
  ASSERT_TRUE(breakout);
  bool widened = false;
  for (auto& element : (*breakout)["elem"]) {
    if (element.is_object() && element["prefix"]["addr"] == "52.112.0.0") {
      element["prefix"] = {{"addr", "52.112.0.0"}, {"len", 13}};
      widened = true;
    }
  }
  ASSERT_TRUE(widened);
  const VerifyReport report = Check(listing.dump(), effective);
  ASSERT_FALSE(report.proved);
  const uint64_t handle = (*FindRule(listing, "output", "breakout"))["handle"];
  // The added half, 52.116.0.0/14, any protocol and port.
  EXPECT_NE(Joined(report).find("dst=52.116.0.0 dport=443 oif=wlan0 rule=" +
                                std::to_string(handle) + " \"breakout\""),
            std::string::npos)
      << Joined(report);
  EXPECT_EQ(Joined(report).find("dst=52.112."), std::string::npos) << Joined(report);
}

TEST(Equivalence, WidenedSetDiffersFromTheReference) {
  const EffectivePolicy effective = GoldenFull();
  json listing = Listing(effective);
  for (auto& element : (*FindObject(listing, "set", "breakout4"))["elem"]) {
    if (element.is_object()) element["prefix"]["len"] = 13;
  }
  Model model;
  ASSERT_TRUE(AddListing(model, listing.dump()));
  auto report = CheckEquivalence(model, effective, Options());
  ASSERT_TRUE(report);
  ASSERT_FALSE(report->proved);
  EXPECT_NE(Joined(*report).find("dst=52.116.0.0"), std::string::npos) << Joined(*report);
  EXPECT_NE(Joined(*report).find("\"breakout\" kernel=accept reference=reject (default-block)"),
            std::string::npos)
      << Joined(*report);
}

TEST(Mutation, PolicyAcceptWithoutFinalRejectIsCaughtButEitherAloneProves) {
  const EffectivePolicy effective = GoldenFull();
  const json original = Listing(effective);

  json policy_only = original;
  (*FindObject(policy_only, "chain", "output"))["policy"] = "accept";
  EXPECT_TRUE(Check(policy_only.dump(), effective).proved);

  auto without_final = [](json listing) {
    auto& objects = listing["nftables"];
    for (size_t i = 0; i < objects.size(); ++i) {
      if (objects[i].contains("rule") && objects[i]["rule"]["chain"] == "output" &&
          objects[i]["rule"].value("comment", "") == "default-block") {
        objects.erase(i);
        break;
      }
    }
    return listing;
  };
  EXPECT_TRUE(Check(without_final(original).dump(), effective).proved);

  const VerifyReport both = Check(without_final(policy_only).dump(), effective);
  ASSERT_FALSE(both.proved);
  EXPECT_NE(
      Joined(both).find("counterexample: proto=tcp uid=any dst=93.184.216.34 dport=22 oif=wlan0 "
                        "rule=policy \"netwarden output policy accept\""),
      std::string::npos)
      << Joined(both);
}

TEST(Mutation, WrongUidIsCaught) {
  EffectivePolicy effective = GoldenFull();
  effective.dns_resolvers.push_back(*IpAddress::Parse("9.9.9.9"));  // a public resolver
  json listing = Listing(effective);
  json* rule = FindRule(listing, "output", "dns-resolver");
  ASSERT_TRUE(rule);
  (*rule)["expr"][0]["match"]["right"] = 1000;  // meta skuid 0 -> 1000
  const VerifyReport report = Check(listing.dump(), effective);
  ASSERT_FALSE(report.proved);
  EXPECT_NE(
      Joined(report).find("uid=1000 dst=9.9.9.9 dport=53 oif=wlan0 rule=" +
                          std::to_string((*rule)["handle"].get<uint64_t>()) + " \"dns-resolver\""),
      std::string::npos)
      << Joined(report);
  // The one-user gateway element with another uid: that user reaches the gateway port.
  json gateways = Listing(effective);
  json* set = FindObject(gateways, "set", "user_gateways6");
  (*set)["elem"][0]["concat"][3] = 1000;
  const VerifyReport other = Check(gateways.dump(), GoldenFull());
  ASSERT_FALSE(other.proved);
  EXPECT_NE(Joined(other).find("proto=udp uid=1000 dst=2001:db8::10 dport=51820"),
            std::string::npos)
      << Joined(other);
}

TEST(Mutation, InterfaceWildcardAcceptIsTakenToMatch) {
  // `oifname "eth*" accept`: a prefix match the model cannot name exactly; it may match, so the
  // accept is assumed to, and the leak is reported with a note.
  const EffectivePolicy effective = GoldenFull();
  json listing = Listing(effective);
  json* rule = FindRule(listing, "output", "loopback");
  ASSERT_TRUE(rule);
  (*rule)["expr"][0]["match"]["left"]["meta"]["key"] = "oifname";
  (*rule)["expr"][0]["match"]["right"] = "eth*";
  Model model;
  ASSERT_TRUE(AddListing(model, listing.dump()));
  auto report = CheckLeaks(model, effective, Options());
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->proved);
  ASSERT_FALSE(report->notes.empty());
  EXPECT_NE(report->notes[0].find("may match"), std::string::npos);
}

TEST(Mutation, DeletedTableIsCaught) {
  const EffectivePolicy effective = GoldenFull();
  const VerifyReport report =
      Check(R"({"nftables":[{"metainfo":{"version":"1.0.6"}}]})", effective);
  ASSERT_FALSE(report.proved);
  EXPECT_NE(
      Joined(report).find(
          "counterexample: proto=tcp uid=any dst=93.184.216.34 dport=443 oif=wlan0 rule=none"),
      std::string::npos)
      << Joined(report);
}

TEST(Mutation, RejectChainEmptiedIsCaught) {
  // The block chain's rules deleted: `jump` returns and the packet falls to the chain's policy.
  const EffectivePolicy effective = GoldenFull();
  json listing = Listing(effective);
  (*FindObject(listing, "chain", "output"))["policy"] = "accept";
  auto& objects = listing["nftables"];
  json kept = json::array();
  for (auto& object : objects) {
    if (object.contains("rule") && object["rule"]["chain"] == "reject_default_block") continue;
    kept.push_back(object);
  }
  objects = kept;
  EXPECT_FALSE(Check(listing.dump(), effective).proved);
}

// The inspection rule lets marked packets out by their mark alone; the threat table's
// postrouting guard is what keeps them off every interface but the inspection one.
TEST(Inspection, GuardIsWhatMakesTheMarkSafe) {
  auto policy = ParsePolicy(R"(version: 1
vpn:
  gateways: [{address: 192.0.2.1, port: 443, protocol: tcp}]
  tunnel_interfaces: [wg0]
threat_feeds:
  - {name: grey, url: "file:///nonexistent", action: inspect}
inspection: {interface: wg-inspect}
)",
                            "p.yaml");
  ASSERT_TRUE(policy) << policy.error().ToString();
  Situation situation;
  situation.interfaces.push_back({"eth0", {}});
  const EffectivePolicy effective = Resolve(*policy, situation);
  ASSERT_EQ(effective.inspection_interface, "wg-inspect");
  auto with_guard = ModelOfRuleset(Compile(effective), effective);
  ASSERT_TRUE(with_guard);
  auto proved = CheckLeaks(*with_guard, effective, Options());
  ASSERT_TRUE(proved);
  EXPECT_TRUE(proved->proved) << Joined(*proved);
  const VerifyReport without = Check(RulesetListing(Compile(effective)), effective);
  ASSERT_FALSE(without.proved);
  EXPECT_NE(Joined(without).find("dport=443 oif=wlan0 mark=0x4e570006 rule="), std::string::npos)
      << Joined(without);
}

TEST(States, EveryReachableStateProves) {
  auto policy = LoadPolicyFile(SourcePath("tests/golden/render/full.policy.yaml"));
  ASSERT_TRUE(policy);
  std::vector<std::string> names;
  for (const auto& state : ReachableStates(*policy, {})) {
    names.push_back(state.name);
    const EffectivePolicy effective = Resolve(*policy, state.situation);
    auto model = ModelOfRuleset(Compile(effective), effective);
    ASSERT_TRUE(model);
    auto report = CheckLeaks(*model, effective, Options());
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->proved) << state.name << "\n" << Joined(*report);
    if (state.name == "tunnel") {
      EXPECT_EQ(effective.tunnel_interfaces, std::vector<std::string>{"wg0"});
    }
    if (state.name == "trusted branch") {
      EXPECT_EQ(effective.trusted_interfaces.count("eth0"), 1u);
    }
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"no network", "blocked", "tunnel", "trusted head-office",
                                      "trusted branch", "portal window"}));
}

TEST(Diff, NewBreakoutIsNewlyAllowed) {
  auto before = ParsePolicy("version: 1\nvpn:\n  tunnel_interfaces: [\"wg0\"]\n", "old.yaml");
  auto after = ParsePolicy(
      "version: 1\nvpn:\n  tunnel_interfaces: [\"wg0\"]\nexceptions:\n  breakout: [{cidr: "
      "52.112.0.0/14}]\n",
      "new.yaml");
  ASSERT_TRUE(before && after);
  const EffectivePolicy a = Resolve(*before, {});
  const EffectivePolicy b = Resolve(*after, {});
  auto diff = DiffRulesets(Compile(a), a, Compile(b), b);
  ASSERT_TRUE(diff) << diff.error().ToString();
  ASSERT_EQ(diff->newly_allowed.size(), 1u);
  EXPECT_EQ(
      diff->newly_allowed[0].rfind(
          "any protocol any uid → 52.112.0.0/14 any port via any interface except lo except ", 0),
      0u)
      << diff->newly_allowed[0];
  EXPECT_NE(diff->newly_allowed[0].find(": newly allowed"), std::string::npos);
  EXPECT_TRUE(diff->newly_blocked.empty());
}

}  // namespace
}  // namespace netwarden::verify
