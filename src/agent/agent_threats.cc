// The agent's threat feeds: the disk copies enforced at start (before any network), each feed
// downloaded again on its own schedule on a worker thread, one diffed kernel transaction per
// refresh, events for every change or refusal, and block events that name the feed's entry.
#include <ctime>
#include <thread>

#include "agent/agent.h"
#include "agent/feed_schedule.h"
#include "threats/endpoints.h"
#include "threats/feed_cache.h"
#include "threats/merge.h"
#include "threats/threat_ruleset.h"

namespace netwarden::agent {

using namespace std::chrono_literals;

namespace {

int64_t UnixNow() { return static_cast<int64_t>(time(nullptr)); }

bool IsProblem(const std::string& result) {
  return result.rfind("refused", 0) == 0 || result.rfind("failed", 0) == 0;
}

}  // namespace

// Runs on the loop thread before the first network snapshot: whatever the network does next, the
// last good lists are in the kernel. A 1 M-entry list takes a few seconds; the previous tables
// stay in force meanwhile.
void Agent::EnforceFeedsFromDisk() {
  threats::FeedCache cache(options_.threat_cache);
  for (const auto& feed : policy_.threats.feeds) {
    const auto meta = cache.ReadMeta(feed.name).value_or(threats::FeedMeta{});
    FeedState& state = feeds_[feed.name];
    state.url = meta.url;
    state.entries = meta.entries;
    state.fetched_at = meta.fetched_at;
    state.checked_at = meta.checked_at;
    state.result = meta.result.empty() ? "no copy yet" : meta.result;
  }
  auto exists = threats::ThreatTableExists();
  if (policy_.threats.feeds.empty() && exists && !*exists) return;  // nothing to do, nothing left
  threats::ApplyOptions apply;
  apply.cache_directory = options_.threat_cache;
  apply.fetch = false;
  apply.return_lists = true;
  // No snapshot yet: the policy's literal endpoints and the names resolved before the restart.
  feed_endpoints_ = threats::PolicyEndpoints(Resolve(policy_, BuildSituation()));
  apply.keep_reachable = feed_endpoints_;
  ++feed_refreshes_started_;
  OnFeedReport(threats::ApplyThreats(policy_.threats, apply), /*fetch=*/false);
}

void Agent::StartFeedRefresh(std::optional<std::set<std::string>> feeds, bool fetch) {
  feed_refresh_in_flight_ = true;
  ++feed_refreshes_started_;
  threats::ApplyOptions apply;
  apply.cache_directory = options_.threat_cache;
  apply.fetch = fetch;
  apply.only_feeds = std::move(feeds);
  apply.return_lists = true;
  feed_endpoints_ = threats::PolicyEndpoints(effective_);
  apply.keep_reachable = feed_endpoints_;
  std::thread([this, threat_policy = policy_.threats, apply, fetch] {
    auto report =
        std::make_shared<Result<threats::ApplyReport>>(threats::ApplyThreats(threat_policy, apply));
    loop_->Post([this, report, fetch] {
      OnFeedReport(std::move(*report), fetch);
      ContinueFeedWork();
    });
  }).detach();
}

// By value: the merged lists (a million entries for a big feed) are moved, not copied.
void Agent::OnFeedReport(Result<threats::ApplyReport> report, bool fetch) {
  feed_refresh_in_flight_ = false;
  ++feed_refreshes_done_;
  ++counters_[fetch ? "feed_refreshes" : "feed_loads"];
  if (!report) {
    // The kernel refused the transaction or the cache is unusable: what was loaded stays.
    ++counters_["feed_refresh_failures"];
    events_->Emit("threat-feed", {{"ok", false},
                                  {"error", report.error().ToString()},
                                  {"note", "the lists in the kernel stay as they were"}});
    for (auto& [name, state] : feeds_) {
      state.result = "failed: " + report.error().message;
      if (fetch) state.checked_at = UnixNow();
    }
  } else {
    for (auto& outcome : report->feeds) {
      FeedState& state = feeds_[outcome.name];
      const bool changed_result = state.result != outcome.result;
      state.entries = outcome.entries;
      state.fetched_at = outcome.fetched_at;
      // Loading the disk copy is not a download attempt: the last attempt's result and time
      // (read from the cache at start) keep deciding the schedule and what status shows.
      if (fetch || state.result.empty()) {
        state.checked_at = outcome.checked_at;
        state.result = outcome.result;
      }
      for (const auto& feed : policy_.threats.feeds) {
        if (feed.name == outcome.name) state.url = feed.url;
      }
      feed_lists_[outcome.name] = {std::move(outcome.list), true};
      if (outcome.problem) ++counters_["feed_problems"];
      // Quiet when nothing happened ("not modified" every hour is not news); a disk copy is
      // reported when there is one (what the kernel enforces before any download).
      const bool news = fetch ? changed_result : outcome.entries > 0;
      if (outcome.problem || outcome.added || outcome.removed || news) {
        nlohmann::json event = {
            {"feed", outcome.name},       {"action", ThreatActionName(outcome.action)},
            {"entries", outcome.entries}, {"added", outcome.added},
            {"removed", outcome.removed}, {"result", outcome.result},
            {"ok", !outcome.problem},     {"source", fetch ? "download" : "disk copy"}};
        if (outcome.protected_entries) event["kept_off_protected"] = outcome.protected_entries;
        if (!outcome.listed_endpoints.empty()) {
          nlohmann::json listed = nlohmann::json::array();
          for (const auto& endpoint : outcome.listed_endpoints) {
            listed.push_back({{"endpoint", endpoint.endpoint.ToString()},
                              {"entry", endpoint.entry.ToString()}});
          }
          event["policy_endpoints_listed"] = listed;
          event["note"] = "the policy's own endpoints stay reachable";
        }
        events_->Emit("threat-feed", std::move(event));
      }
    }
    if (!report->inspect_note.empty()) {
      events_->Emit("threat-feed", {{"ok", false}, {"inspect", report->inspect_note}});
    }
  }
  // Feeds the policy no longer has: their sets were deleted with the rules.
  for (auto it = feeds_.begin(); it != feeds_.end();) {
    const bool listed = std::any_of(policy_.threats.feeds.begin(), policy_.threats.feeds.end(),
                                    [&](const ThreatFeed& feed) { return feed.name == it->first; });
    if (!listed) feed_lists_.erase(it->first);
    it = listed ? std::next(it) : feeds_.erase(it);
  }
}

// After a refresh: the one a reload asked for meanwhile, else whatever the schedule says. (Not
// after the load at start: downloads wait until the forced-VPN rules are in the kernel.)
void Agent::ContinueFeedWork() {
  if (feed_offline_pending_) {
    feed_offline_pending_ = false;
    StartFeedRefresh(std::nullopt, /*fetch=*/false);
    return;
  }
  ScheduleFeedRefresh();
}

void Agent::ScheduleFeedRefresh() {
  if (feed_refresh_in_flight_ || policy_.threats.feeds.empty()) return;
  std::vector<FeedTiming> timings;
  for (const auto& feed : policy_.threats.feeds) {
    const auto found = feeds_.find(feed.name);
    FeedTiming timing{feed.name, feed.refresh_seconds, 0, false};
    // A feed whose URL changed, or that an operator asked for, is due now.
    if (found != feeds_.end() && found->second.url == feed.url &&
        !feeds_forced_due_.count(feed.name)) {
      timing.checked_at = found->second.checked_at;
      timing.last_failed = IsProblem(found->second.result);
    }
    timings.push_back(timing);
  }
  const FeedSchedule schedule = ScheduleFeeds(timings, UnixNow());
  loop_->Rearm(feed_timer_, std::chrono::seconds(std::max<int64_t>(schedule.next_in_seconds, 1)));
  if (!schedule.due.empty()) {
    for (const auto& name : schedule.due) feeds_forced_due_.erase(name);
    StartFeedRefresh(std::set<std::string>(schedule.due.begin(), schedule.due.end()),
                     /*fetch=*/true);
  }
}

// A gateway, proxy, resolver or probe server got a new address that a loaded feed lists: the lists
// are re-applied from disk with it carved out, before the tunnel needs it.
void Agent::ProtectNewEndpoints() {
  const auto endpoints = threats::PolicyEndpoints(effective_);
  if (endpoints == feed_endpoints_ || policy_.threats.feeds.empty()) return;
  const bool listed = std::any_of(endpoints.begin(), endpoints.end(), [&](const IpNetwork& endpoint) {
    return !threats::MatchLists(feed_lists_, endpoint.base()).empty();
  });
  if (!listed) return;
  if (feed_refresh_in_flight_) {
    feed_offline_pending_ = true;
  } else {
    StartFeedRefresh(std::nullopt, /*fetch=*/false);
  }
}

// The tunnel or a trusted network just came up: a feed that could not be downloaded before (the
// forced-VPN rules block the way to the feed server until then) is tried again at once.
void Agent::RetryFailedFeeds() {
  bool any = false;
  for (const auto& [name, state] : feeds_) {
    if (state.result.rfind("failed", 0) == 0) {
      feeds_forced_due_.insert(name);
      any = true;
    }
  }
  if (any) ScheduleFeedRefresh();
}

// Returns the number the requested refresh will have in `feed_refreshes_done`.
uint64_t Agent::RequestFeedRefresh() {
  for (const auto& feed : policy_.threats.feeds) feeds_forced_due_.insert(feed.name);
  if (feed_refresh_in_flight_) {
    // This refresh is next: its number is after the one running now.
    return feed_refreshes_started_ + 1 + (feed_offline_pending_ ? 1 : 0);
  }
  ScheduleFeedRefresh();
  return feed_refreshes_started_;
}

// NFLOG group 6575, prefix "nwthreat <action> <feed> ": the feed comes from the kernel, the entry
// from the list the agent loaded (the kernel does not say which element matched).
void Agent::OnThreatPacket(nlohmann::json packet) {
  ++counters_["threat_packets"];
  if (packet.contains("rule")) {
    packet["feed"] = packet["rule"];
    packet.erase("rule");
  }
  if (packet.contains("verdict")) {
    packet["action"] = packet["verdict"];
    packet.erase("verdict");
  }
  if (packet.value("action", "") == "inspect") {
    // Logged before the re-route: the interface it leaves by is the inspection one.
    packet["routed_to"] = policy_.threats.inspection_interface;
  }
  const std::string feed = packet.value("feed", "");
  const auto list = feed_lists_.find(feed);
  if (list != feed_lists_.end() && packet.contains("destination")) {
    if (auto address = IpAddress::Parse(packet["destination"].get<std::string>())) {
      if (const IpNetwork* entry = threats::FindCovering(list->second.entries, *address)) {
        packet["entry"] = entry->ToString();
      }
    }
  }
  events_->EmitPacket("threat", std::move(packet), [this](nlohmann::json& p) { AddProgram(p); });
}

nlohmann::json Agent::FeedStatus() const {
  nlohmann::json feeds = nlohmann::json::array();
  const int64_t now = UnixNow();
  for (const auto& feed : policy_.threats.feeds) {
    const auto found = feeds_.find(feed.name);
    const FeedState state = found != feeds_.end() ? found->second : FeedState{};
    nlohmann::json entry = {{"name", feed.name},
                            {"action", ThreatActionName(feed.action)},
                            {"url", feed.url},
                            {"entries", state.entries},
                            {"result", state.result},
                            {"ok", !IsProblem(state.result)},
                            {"refresh_seconds", feed.refresh_seconds}};
    if (state.fetched_at > 0) entry["age_seconds"] = now - state.fetched_at;
    if (state.checked_at > 0) entry["checked_seconds_ago"] = now - state.checked_at;
    feeds.push_back(std::move(entry));
  }
  return {{"feeds", feeds},
          {"refresh_in_flight", feed_refresh_in_flight_},
          {"refreshes_done", feed_refreshes_done_}};
}

}  // namespace netwarden::agent
