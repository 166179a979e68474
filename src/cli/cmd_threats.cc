// netwarden threats apply|flush|explain|status: IP-reputation feeds in their own nftables table.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <thread>

#include "agent/control_socket.h"
#include "cli/agent_client.h"
#include "cli/command.h"
#include "policy/policy_parser.h"
#include "situation/effective_policy.h"
#include "threats/apply.h"
#include "threats/endpoints.h"
#include "threats/explain.h"
#include "threats/feed_cache.h"
#include "threats/threat_ruleset.h"

namespace netwarden::cli {
namespace {

constexpr const char* kDefaultCache = "/var/lib/netwarden/threats";
// A feed failed or was refused: its last good list stays in force, but scripts must see it.
constexpr int kExitFeedProblem = 3;

std::string Age(int64_t since) {
  return since <= 0 ? "never" : HumanDuration(static_cast<int64_t>(time(nullptr)) - since);
}

std::string RootHint() { return geteuid() != 0 ? " (run as root)" : ""; }

void RegisterApply(CLI::App& parent, int& exit_code) {
  struct Options {
    std::string policy;
    std::string cache = kDefaultCache;
    bool offline = false;
    double max_shrink = 0.5;
  };
  auto options = std::make_shared<Options>();
  auto* command = parent.add_subcommand(
      "apply", "Fetch the policy's feeds (or reuse the last good copies) and load them in one transaction");
  command->add_option("policy", options->policy, "Policy file")->required();
  command->add_option("--cache", options->cache, "Directory of the last good copies");
  command->add_flag("--offline", options->offline,
                    "Do not download: enforce the last good copies (boot, before any network)");
  command->add_option("--max-shrink", options->max_shrink,
                      "Refuse a feed that loses more than this fraction of its entries")
      ->check(CLI::Range(0.0, 1.0));
  command->callback([options, &exit_code] {
    auto policy = LoadPolicyFile(options->policy);
    if (!policy) {
      std::cerr << policy.error().ToString() << "\n";
      exit_code = kExitBadInput;
      return;
    }
    threats::ApplyOptions apply;
    apply.cache_directory = options->cache;
    apply.fetch = !options->offline;
    apply.limits.max_shrink_fraction = options->max_shrink;
    // The policy's literal endpoints (names are the agent's to resolve).
    apply.keep_reachable = threats::PolicyEndpoints(Resolve(*policy, Situation{}));
    auto report = threats::ApplyThreats(policy->threats, apply);
    if (!report) {
      std::cerr << "threats apply failed: " << report.error().ToString() << RootHint() << "\n";
      exit_code = kExitFailure;
      return;
    }
    bool problem = false;
    for (const auto& feed : report->feeds) {
      problem |= feed.problem;
      std::cout << feed.name << " (" << ThreatActionName(feed.action) << "): " << feed.entries
                << " entries, +" << feed.added << " -" << feed.removed << ", age "
                << Age(feed.fetched_at) << ": " << feed.result;
      if (feed.protected_entries) {
        std::cout << " (" << feed.protected_entries
                  << " entries kept off private/loopback/multicast ranges and the policy's endpoints)";
      }
      std::cout << "\n";
      for (const auto& listed : feed.listed_endpoints) {
        std::cout << "  warning: " << feed.name << " lists the policy's endpoint "
                  << listed.endpoint.ToString() << " (as " << listed.entry.ToString()
                  << "); it stays reachable\n";
      }
    }
    std::cout << std::fixed << std::setprecision(3) << "kernel: " << report->batch.elements
              << " elements in " << report->batch.messages << " messages, one transaction"
              << (report->full_load ? " (full load)" : " (diff)") << ", " << report->kernel_seconds
              << " s\n";
    if (!report->inspect_note.empty()) std::cout << "inspect: " << report->inspect_note << "\n";
    // A refused or failed feed still leaves the host enforcing its last good list, but the
    // caller (scripts, tests) must see it.
    exit_code = problem ? kExitFeedProblem : kExitOk;
  });
}

void RegisterFlush(CLI::App& parent, int& exit_code) {
  auto cache = std::make_shared<std::string>(kDefaultCache);
  auto* command = parent.add_subcommand("flush", "Remove table inet netwarden_threats");
  command->add_option("--cache", *cache, "Directory of the last good copies");
  command->callback([cache, &exit_code] {
    auto flushed = threats::FlushThreats(*cache);
    if (!flushed) {
      std::cerr << "threats flush failed: " << flushed.error().ToString() << RootHint() << "\n";
      exit_code = kExitFailure;
      return;
    }
    std::cout << "removed table inet " << threats::kThreatTable << " (last good copies kept)\n";
    exit_code = kExitOk;
  });
}

void RegisterExplain(CLI::App& parent, int& exit_code) {
  struct Options {
    std::string destination;
    std::string cache = kDefaultCache;
  };
  auto options = std::make_shared<Options>();
  auto* command = parent.add_subcommand("explain", "Which feed lists an address, and the matching entry");
  command->add_option("--dst", options->destination, "Destination address")->required();
  command->add_option("--cache", options->cache, "Directory of the last good copies");
  command->callback([options, &exit_code] {
    auto address = IpAddress::Parse(options->destination);
    if (!address) {
      std::cerr << address.error().message << "\n";
      exit_code = kExitBadInput;
      return;
    }
    auto matches = threats::ExplainAddress(options->cache, *address);
    if (matches.empty()) {
      std::cout << address->ToString() << ": listed by no feed\n";
    }
    for (const auto& match : matches) {
      std::cout << address->ToString() << ": listed by feed " << match.feed << " as "
                << match.entry.ToString()
                << (match.enforced ? " (enforced)" : " (last good copy, not loaded)") << "\n";
    }
    exit_code = kExitOk;
  });
}

void RegisterStatus(CLI::App& parent, int& exit_code) {
  auto cache = std::make_shared<std::string>(kDefaultCache);
  auto* command = parent.add_subcommand("status", "Per-feed size, age and last refresh result");
  command->add_option("--cache", *cache, "Directory of the last good copies");
  command->callback([cache, &exit_code] {
    threats::FeedCache feeds(*cache);
    auto exists = threats::ThreatTableExists();
    std::cout << "table inet " << threats::kThreatTable << ": "
              << (!exists ? "unknown" : *exists ? "loaded" : "absent") << "\n";
    for (const auto& name : feeds.FeedNames()) {
      auto meta = feeds.ReadMeta(name).value_or(threats::FeedMeta{});
      std::cout << name << ": " << meta.entries << " entries, age " << Age(meta.fetched_at)
                << ", checked " << Age(meta.checked_at) << " ago: " << meta.result
                << (feeds.ReadApplied(name) ? "" : " (not loaded)") << "\n";
    }
    exit_code = kExitOk;
  });
}

// The agent downloads on its own schedule; this asks it for every feed now and waits for the
// result (the download may take up to the fetch timeout).
void RegisterRefresh(CLI::App& parent, int& exit_code) {
  struct Options {
    std::string control = agent::kDefaultControlPath;
    int wait_seconds = 120;
  };
  auto options = std::make_shared<Options>();
  auto* command = parent.add_subcommand("refresh", "Make the running agent download every feed now");
  command->add_option("--control", options->control, "Agent control socket")->capture_default_str();
  command->add_option("--wait", options->wait_seconds, "Seconds to wait for the result (0 = do not wait)")
      ->capture_default_str();
  command->callback([options, &exit_code] {
    auto started = AskAgent(options->control, {{"command", "refresh-feeds"}});
    if (!started) {
      exit_code = kExitFailure;
      return;
    }
    const uint64_t ticket = started->value("ticket", uint64_t{0});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options->wait_seconds);
    while (true) {
      auto status = AskAgent(options->control, {{"command", "status"}});
      if (!status) {
        exit_code = kExitFailure;
        return;
      }
      const auto& threats = (*status)["status"]["threats"];
      if (threats.value("refreshes_done", uint64_t{0}) >= ticket) {
        PrintThreatFeeds(threats);
        bool problem = false;
        for (const auto& feed : threats["feeds"]) problem |= !feed.value("ok", true);
        exit_code = problem ? kExitFeedProblem : kExitOk;
        return;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        std::cout << "refresh still running (see netwarden status)\n";
        exit_code = options->wait_seconds == 0 ? kExitOk : kExitFailure;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
}

}  // namespace

void RegisterThreatsCommand(CLI::App& app, int& exit_code) {
  auto* threats = app.add_subcommand("threats", "IP-reputation feeds: block, log or inspect listed addresses");
  threats->require_subcommand(1);
  RegisterApply(*threats, exit_code);
  RegisterFlush(*threats, exit_code);
  RegisterExplain(*threats, exit_code);
  RegisterStatus(*threats, exit_code);
  RegisterRefresh(*threats, exit_code);
}

}  // namespace netwarden::cli
