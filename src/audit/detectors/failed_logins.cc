// The rules over login attempts: password-spray (one source failing for many distinct users
// within a window) and failures-then-success (a source that fails repeatedly, then gets in, on
// one local day). Masked user names (ASA "*****") count as one unknown user.

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "audit/civil_time.h"
#include "audit/detectors/detectors.h"
#include "fmt/format.h"

namespace netwarden::audit {

namespace {

constexpr size_t kMaxEvidence = 10;

std::map<IpAddress, std::vector<size_t>> AttemptsBySource(const std::vector<LoginAttempt>& all,
                                                          bool failures_only) {
  std::map<IpAddress, std::vector<size_t>> by_source;
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].source || (failures_only && all[i].success)) continue;
    by_source[*all[i].source].push_back(i);
  }
  return by_source;
}

}  // namespace

void DetectPasswordSpray(Analysis& analysis, const DetectorConfig& config) {
  const auto& attempts = analysis.input->attempts;
  const int64_t window = int64_t{config.spray_window_minutes} * 60;
  for (const auto& [source, indices] : AttemptsBySource(attempts, true)) {
    std::unordered_map<std::string_view, int> users_in_window;
    size_t begin = 0;
    int64_t quiet_until = INT64_MIN;  // one finding per burst
    for (size_t end = 0; end < indices.size(); ++end) {
      const LoginAttempt& latest = attempts[indices[end]];
      ++users_in_window[latest.user];
      while (latest.time - attempts[indices[begin]].time > window) {
        auto found = users_in_window.find(attempts[indices[begin]].user);
        if (--found->second == 0) users_in_window.erase(found);
        ++begin;
      }
      if (static_cast<int>(users_in_window.size()) < config.spray_min_users ||
          latest.time < quiet_until) {
        continue;
      }
      // Report the whole burst: every failure within the window from its first one.
      size_t last = end;
      while (last + 1 < indices.size() &&
             attempts[indices[last + 1]].time - attempts[indices[begin]].time <= window) {
        ++last;
      }
      std::set<std::string_view> burst_users;
      for (size_t k = begin; k <= last; ++k) burst_users.insert(attempts[indices[k]].user);
      int distinct = static_cast<int>(burst_users.size());
      Finding finding;
      finding.rule = "password-spray";
      finding.time = attempts[indices[begin]].time;
      finding.day = analysis.zone->LocalDay(finding.time);
      finding.addresses = {source};
      finding.severity =
          distinct >= 3 * config.spray_min_users ? Severity::kHigh : Severity::kMedium;
      for (size_t k = begin; k <= last && finding.evidence.size() < kMaxEvidence; ++k) {
        finding.evidence.push_back(attempts[indices[k]].evidence);
        finding.attempts.push_back(indices[k]);
      }
      finding.detail = fmt::format("{} failed for {} distinct users within {} min",
                                   source.ToString(), distinct, config.spray_window_minutes);
      analysis.findings.push_back(std::move(finding));
      quiet_until = attempts[indices[begin]].time + window;
    }
  }
}

void DetectFailuresThenSuccess(Analysis& analysis, const DetectorConfig& config) {
  const auto& attempts = analysis.input->attempts;
  const auto& sessions = analysis.input->sessions;
  // Successes are the logged successful logins and the session starts.
  struct Login {
    int64_t time;
    bool success;
    std::string_view user;
    Evidence evidence;
    size_t index;  // into attempts, or into sessions when `from_session`
    bool from_session;
  };
  // Only a source with enough failures in all can have enough on one day: the other sources'
  // successes (nearly every session) need not be collected and sorted.
  std::map<IpAddress, size_t> failures_per_source;
  for (const auto& attempt : attempts) {
    if (attempt.source && !attempt.success) ++failures_per_source[*attempt.source];
  }
  std::map<IpAddress, std::vector<Login>> by_source;
  for (const auto& [source, failures] : failures_per_source) {
    if (static_cast<int>(failures) >= config.failures_before_success) by_source[source];
  }
  const bool every_source = config.failures_before_success <= 0;  // a success alone is enough
  if (by_source.empty() && !every_source) return;
  for (const auto& attempt : attempts) {
    if (!attempt.source) continue;
    if (every_source) by_source[*attempt.source];
    auto found = by_source.find(*attempt.source);
    if (found != by_source.end()) {
      found->second.push_back({attempt.time, attempt.success, attempt.user, attempt.evidence,
                               static_cast<size_t>(&attempt - attempts.data()), false});
    }
  }
  for (const auto& session : sessions) {
    if (!session.source) continue;
    if (every_source) by_source[*session.source];
    auto found = by_source.find(*session.source);
    if (found != by_source.end()) {
      found->second.push_back({session.start, true, session.user, session.evidence,
                               static_cast<size_t>(&session - sessions.data()), true});
    }
  }
  for (auto& [source, logins] : by_source) {
    std::sort(logins.begin(), logins.end(), [](const Login& a, const Login& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.evidence.file != b.evidence.file) return a.evidence.file < b.evidence.file;
      return a.evidence.line < b.evidence.line;
    });
    int64_t day = INT64_MIN;
    std::vector<const Login*> failures;
    for (const Login& login : logins) {
      int64_t login_day = analysis.zone->LocalDay(login.time);
      if (login_day != day) {
        day = login_day;
        failures.clear();
      }
      if (!login.success) {
        failures.push_back(&login);
        continue;
      }
      if (static_cast<int>(failures.size()) < config.failures_before_success) {
        failures.clear();  // a success resets the streak
        continue;
      }
      std::set<std::string_view> failed_users;
      for (const Login* failure : failures) failed_users.insert(failure->user);
      Finding finding;
      finding.rule = "failures-then-success";
      finding.user = login.user;
      finding.time = login.time;
      finding.day = day;
      finding.addresses = {source};
      finding.severity = failed_users.count(login.user) != 0 ? Severity::kHigh : Severity::kMedium;
      size_t first = failures.size() > kMaxEvidence - 1 ? failures.size() - (kMaxEvidence - 1) : 0;
      for (size_t k = first; k < failures.size(); ++k) {
        finding.evidence.push_back(failures[k]->evidence);
        finding.attempts.push_back(failures[k]->index);
      }
      finding.evidence.push_back(login.evidence);
      (login.from_session ? finding.sessions : finding.attempts).push_back(login.index);
      finding.detail = fmt::format("{} failures from {} then a successful login on {}",
                                   failures.size(), source.ToString(), FormatDay(day));
      analysis.findings.push_back(std::move(finding));
      failures.clear();
    }
  }
}

}  // namespace netwarden::audit
