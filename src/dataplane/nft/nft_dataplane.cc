#include "dataplane/nft/nft_dataplane.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "dataplane/nft/nft_renderer.h"

namespace netwarden::nft {
namespace {

std::string ListTableCommand() { return fmt::format("list table {} {}", kFamily, kTable); }

// What the kernel holds, counted from `list table` JSON.
struct KernelCounts {
  std::map<std::string, size_t> rules_per_chain;
  std::map<std::string, std::string> base_chain_policy;
  std::map<std::string, size_t> elements_per_set;
};

Result<KernelCounts> CountKernelObjects(const std::string& json_text) {
  KernelCounts counts;
  const auto document = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.contains("nftables")) {
    return MakeError(ErrorCode::kVerify, "cannot read the kernel's listing of our table");
  }
  for (const auto& object : document["nftables"]) {
    if (object.contains("rule")) {
      ++counts.rules_per_chain[object["rule"].value("chain", "")];
    } else if (object.contains("chain")) {
      const auto& chain = object["chain"];
      const std::string name = chain.value("name", "");
      counts.rules_per_chain.emplace(name, 0);
      if (chain.contains("hook")) counts.base_chain_policy[name] = chain.value("policy", "");
    } else if (object.contains("set")) {
      const auto& set = object["set"];
      counts.elements_per_set[set.value("name", "")] =
          set.contains("elem") ? set["elem"].size() : 0;
    }
  }
  return counts;
}

nlohmann::json WithoutVolatileFields(nlohmann::json value) {
  if (value.is_object()) {
    value.erase("expires");
    if (value.contains("counter")) value["counter"] = nullptr;
    for (auto& [key, member] : value.items()) member = WithoutVolatileFields(std::move(member));
  } else if (value.is_array()) {
    for (auto& member : value) member = WithoutVolatileFields(std::move(member));
  }
  return value;
}

}  // namespace

Result<std::string> NftDataplane::InstalledComment() {
  auto listing = runner_->Run(ListTableCommand(), /*json_output=*/false);
  if (!listing) {
    if (IsNotFound(listing.error())) return std::string();
    return listing.error();
  }
  const auto start = listing->find("comment \"");
  if (start == std::string::npos) return std::string("(no comment)");
  const auto begin = start + 9;
  return listing->substr(begin, listing->find('"', begin) - begin);
}

Result<ApplyOutcome> NftDataplane::Apply(const Ruleset& ruleset) {
  auto installed = InstalledComment();
  if (!installed) return installed.error();
  if (*installed == TableComment(ruleset)) {
    // Same structure: rewrite the situational sets only. If the kernel refuses, or what it then
    // holds is not what we asked for (someone edited a rule or a set), fall through to a full
    // replacement, which repairs it: a wrong ruleset never stays in force behind a set update.
    if (runner_->Run(RenderSetUpdateScript(ruleset), false)) {
      if (auto verified = Verify(ruleset, ApplyOutcome::Mode::kSetsUpdated)) return verified;
    }
  }
  return Replace(ruleset);
}

Result<ApplyOutcome> NftDataplane::Replace(const Ruleset& ruleset) {
  auto replaced = runner_->Run(RenderReplaceScript(ruleset), false);
  if (!replaced) return replaced.error();
  return Verify(ruleset, ApplyOutcome::Mode::kReplaced);
}

Result<ApplyOutcome> NftDataplane::Verify(const Ruleset& ruleset, ApplyOutcome::Mode mode) {
  auto comment = InstalledComment();
  if (!comment) return comment.error();
  if (*comment != TableComment(ruleset)) {
    return MakeError(ErrorCode::kVerify,
                     "the kernel's table is not the one just installed ('" + *comment + "')");
  }
  auto listing = runner_->Run(ListTableCommand(), /*json_output=*/true);
  if (!listing) return listing.error();
  auto counts = CountKernelObjects(*listing);
  if (!counts) return counts.error();

  ApplyOutcome outcome{mode, 0, 0};
  for (const auto& [chain, expected] : ExpectedRuleCounts(ruleset)) {
    const auto found = counts->rules_per_chain.find(chain);
    const size_t actual = found == counts->rules_per_chain.end() ? 0 : found->second;
    if (found == counts->rules_per_chain.end() || actual != expected) {
      return MakeError(ErrorCode::kVerify, fmt::format("chain {} holds {} rules, expected {}",
                                                       chain, actual, expected));
    }
    outcome.rules += actual;
  }
  // Report mode (vpn: {mode: report}) is the one ruleset whose chains accept by policy.
  const std::string policy = ruleset.report_only ? "accept" : "drop";
  for (const auto& chain : ruleset.chains) {
    if (counts->base_chain_policy[chain.name] != policy) {
      return MakeError(ErrorCode::kVerify,
                       "chain " + chain.name + " does not have policy " + policy);
    }
  }
  for (const auto& set : ruleset.sets) {
    const size_t actual = counts->elements_per_set[set.name];
    if (actual != set.elements.size()) {
      return MakeError(ErrorCode::kVerify, fmt::format("set {} holds {} elements, expected {}",
                                                       set.name, actual, set.elements.size()));
    }
    outcome.elements += actual;
  }
  return outcome;
}

Result<void> NftDataplane::Remove() {
  auto removed = runner_->Run(
      fmt::format("add table {0} {1}\ndelete table {0} {1}\n", kFamily, kTable), false);
  if (!removed) return removed.error();
  return Ok();
}

Result<bool> NftDataplane::IsInstalled() {
  auto comment = InstalledComment();
  if (!comment) return comment.error();
  return !comment->empty();
}

Result<std::string> NftDataplane::Fingerprint() {
  auto listing = runner_->Run(ListTableCommand(), /*json_output=*/true);
  if (!listing) {
    if (IsNotFound(listing.error())) return std::string();
    return listing.error();
  }
  auto document = nlohmann::json::parse(*listing, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.contains("nftables")) {
    return MakeError(ErrorCode::kVerify, "cannot read the kernel's listing of our table");
  }
  // Counters change with every packet, element expiry with every second and the metainfo with the
  // nft version: none of them is drift.
  nlohmann::json kept = nlohmann::json::array();
  for (auto& object : document["nftables"]) {
    if (!object.contains("metainfo")) kept.push_back(WithoutVolatileFields(std::move(object)));
  }
  return std::to_string(std::hash<std::string>{}(kept.dump())) + ":" +
         std::to_string(kept.dump().size());
}

Result<std::string> NftDataplane::Show() { return runner_->Run(ListTableCommand(), false); }

std::unique_ptr<Dataplane> MakeNftDataplane() {
  return std::make_unique<NftDataplane>(MakeLibnftablesRunner());
}

}  // namespace netwarden::nft
