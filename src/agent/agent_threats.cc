// The agent's threat feeds: the disk copies enforced at start (before any network), each feed
// downloaded again on its own schedule on a worker thread (fetch, parse, merge, validate), the
// kernel side through the ThreatManager in the reconcile (one diffed transaction, the endpoints
// of the current situation carved out), events for every change or refusal, and block events
// that name the feed's entry.
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

// Runs on the loop thread before the first network snapshot: the disk copies are prepared here
// and the first reconcile (still in Start()) puts them into the kernel, so whatever the network
// does next, the last good lists are enforced. A 1 M-entry list takes a few seconds; the
// previous tables stay in force meanwhile.
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
  if (!threats_) return;
  threats::PrepareOptions prepare;
  prepare.cache_directory = options_.threat_cache;
  prepare.fetch = false;
  feed_refresh_in_flight_ = true;
  ++feed_refreshes_started_;
  OnFeedsPrepared(threats::PrepareFeeds(policy_.threats, prepare), /*fetch=*/false);
}

// The worker downloads, parses, merges and validates (threats::PrepareFeeds); the kernel side is
// the ThreatManager's, applied by the reconcile on the loop thread.
void Agent::StartFeedRefresh(std::optional<std::set<std::string>> feeds, bool fetch) {
  feed_refresh_in_flight_ = true;
  ++feed_refreshes_started_;
  threats::PrepareOptions prepare;
  prepare.cache_directory = options_.threat_cache;
  prepare.fetch = fetch;
  prepare.only_feeds = std::move(feeds);
  std::thread([this, threat_policy = policy_.threats, prepare, fetch] {
    auto prepared =
        std::make_shared<threats::PreparedLists>(threats::PrepareFeeds(threat_policy, prepare));
    loop_->Post([this, prepared, fetch] { OnFeedsPrepared(std::move(*prepared), fetch); });
  }).detach();
}

void Agent::OnFeedsPrepared(threats::PreparedLists prepared, bool fetch) {
  ++counters_[fetch ? "feed_refreshes" : "feed_loads"];
  feed_apply_pending_ = true;
  feed_apply_fetch_ = fetch;
  // The situation the next reconcile compiles (effective_ may be older, or empty at start).
  SetDesiredFeeds(std::move(prepared), Resolve(policy_, BuildSituation()));
  RequestReconcile(fetch ? "threat feeds downloaded" : "threat feeds loaded from disk copies");
}

// The policy's feeds, the endpoints of `effective` that stay reachable and any newly prepared
// lists. Carving the endpoints out of every list is linear in the lists' size: only when one of
// the three changed.
void Agent::SetDesiredFeeds(threats::PreparedLists prepared, const EffectivePolicy& effective) {
  if (!threats_ || !policy_error_.empty()) return;
  auto endpoints = threats::PolicyEndpoints(effective);
  if (prepared.feeds.empty() && feed_policy_given_ && *feed_policy_given_ == policy_.threats &&
      endpoints == feed_endpoints_) {
    return;
  }
  feed_policy_given_ = policy_.threats;
  feed_endpoints_ = endpoints;
  threats_->SetDesired(policy_.threats, std::move(endpoints), std::move(prepared));
}

// After the reconcile: what the threat plane's apply did becomes events and status.
void Agent::AfterThreatReconcile(const ReconcileOutcome& outcome) {
  if (!threats_) return;
  if (std::count(outcome.applied.begin(), outcome.applied.end(), threats_->name())) {
    OnFeedsApplied();
    return;
  }
  for (const auto& failure : outcome.failed) {
    if (failure.manager == threats_->name() && failure.error != "waiting to retry") {
      OnFeedsFailed(failure.error);
    }
  }
}

void Agent::OnFeedsApplied() {
  const ThreatApplyReport& report = threats_->last_report();
  const bool fetch = feed_apply_fetch_;
  for (const auto& outcome : report.feeds) {
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
  if (!report.inspect_note.empty()) {
    events_->Emit("threat-feed", {{"ok", false}, {"inspect", report.inspect_note}});
  }
  // What the kernel holds now, also where only the endpoints carved out of a list changed.
  for (const auto& [name, list] : threats_->enforced()) {
    if (auto state = feeds_.find(name); state != feeds_.end()) state->second.entries = list.size();
  }
  // Feeds the policy no longer has: their sets were deleted with the rules.
  std::erase_if(feeds_, [&](const auto& entry) {
    return std::none_of(policy_.threats.feeds.begin(), policy_.threats.feeds.end(),
                        [&](const ThreatFeed& feed) { return feed.name == entry.first; });
  });
  if (feed_apply_pending_) FinishFeedWork();
}

// The kernel refused the transaction or the cache is unusable: what was loaded stays, and the
// manager retries with backoff (the prepared lists stay its desired state).
void Agent::OnFeedsFailed(const std::string& error) {
  if (!feed_apply_pending_) return;
  ++counters_["feed_refresh_failures"];
  events_->Emit("threat-feed", {{"ok", false},
                                {"error", error},
                                {"note", "the lists in the kernel stay as they were"}});
  for (auto& [name, state] : feeds_) {
    state.result = "failed: " + error;
    if (feed_apply_fetch_) state.checked_at = UnixNow();
  }
  FinishFeedWork();
}

void Agent::FinishFeedWork() {
  feed_apply_pending_ = false;
  feed_refresh_in_flight_ = false;
  ++feed_refreshes_done_;
  // Not from inside the reconcile that is reporting: posted.
  loop_->Post([this] { ContinueFeedWork(); });
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
  if (!threats_ || feed_refresh_in_flight_ || policy_.threats.feeds.empty()) return;
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
  const auto list = threats_ ? threats_->enforced().find(feed) : threats::HeldLists::const_iterator{};
  if (threats_ && list != threats_->enforced().end() && packet.contains("destination")) {
    if (auto address = IpAddress::Parse(packet["destination"].get<std::string>())) {
      if (const IpNetwork* entry = threats::FindCovering(list->second, *address)) {
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
