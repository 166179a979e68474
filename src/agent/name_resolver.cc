#include "agent/name_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/select.h>

#include <algorithm>
#include <mutex>

namespace netwarden::agent {
namespace {

struct Lookup {
  bool done = false;
  int status = ARES_SUCCESS;
  Resolution resolution;
};

void OnAnswer(void* opaque, int status, int /*timeouts*/, ares_addrinfo* result) {
  auto* lookup = static_cast<Lookup*>(opaque);
  lookup->done = true;
  lookup->status = status;
  if (status != ARES_SUCCESS || !result) return;
  int ttl = -1;
  for (ares_addrinfo_node* node = result->nodes; node; node = node->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (node->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(node->ai_addr)->sin_addr, text,
                sizeof(text));
    } else if (node->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(node->ai_addr)->sin6_addr, text,
                sizeof(text));
    }
    if (auto address = IpAddress::Parse(text)) {
      if (std::find(lookup->resolution.addresses.begin(), lookup->resolution.addresses.end(),
                    *address) == lookup->resolution.addresses.end()) {
        lookup->resolution.addresses.push_back(*address);
      }
      ttl = ttl < 0 ? node->ai_ttl : std::min(ttl, node->ai_ttl);
    }
  }
  lookup->resolution.ttl = std::chrono::seconds(std::max(ttl, 0));
  ares_freeaddrinfo(result);
}

}  // namespace

Result<Resolution> ResolveName(const std::string& name, const std::vector<IpAddress>& servers,
                               std::chrono::milliseconds timeout) {
  static std::once_flag library_once;
  std::call_once(library_once, [] { ares_library_init(ARES_LIB_INIT_ALL); });

  ares_channel channel = nullptr;
  ares_options options{};
  options.timeout = static_cast<int>(std::max<long long>(timeout.count() / 2, 200));
  options.tries = 2;
  if (ares_init_options(&channel, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
    return MakeError(ErrorCode::kIo, "c-ares: cannot initialise (resolv.conf?)");
  }
  if (!servers.empty()) {
    std::string csv;
    for (const auto& server : servers) {
      csv += (csv.empty() ? "" : ",") +
             (server.is_v4() ? server.ToString() : "[" + server.ToString() + "]");
    }
    if (ares_set_servers_csv(channel, csv.c_str()) != ARES_SUCCESS) {
      ares_destroy(channel);
      return MakeError(ErrorCode::kInvalidArgument, "c-ares: bad resolver list " + csv);
    }
  }
  Lookup lookup;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = ARES_AI_NOSORT;
  ares_getaddrinfo(channel, name.c_str(), nullptr, &hints, OnAnswer, &lookup);
  while (!lookup.done) {
    fd_set readers, writers;
    FD_ZERO(&readers);
    FD_ZERO(&writers);
    const int count = ares_fds(channel, &readers, &writers);
    if (count == 0) break;
    timeval wait{};
    timeval* deadline = ares_timeout(channel, nullptr, &wait);
    select(count, &readers, &writers, nullptr, deadline);
    ares_process(channel, &readers, &writers);
  }
  ares_destroy(channel);
  if (lookup.status != ARES_SUCCESS) {
    return MakeError(ErrorCode::kNotFound, name + ": " + ares_strerror(lookup.status));
  }
  if (lookup.resolution.addresses.empty()) {
    return MakeError(ErrorCode::kNotFound, name + ": no addresses");
  }
  return lookup.resolution;
}

}  // namespace netwarden::agent
