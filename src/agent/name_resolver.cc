#include "agent/name_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
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
  // poll(), not select(): an FD_SET of a descriptor past FD_SETSIZE (1024) writes past the set.
  // c-ares says which sockets it waits on through ares_getsock (at most ARES_GETSOCK_MAXNUM).
  while (!lookup.done) {
    ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
    const int bits = ares_getsock(channel, sockets, ARES_GETSOCK_MAXNUM);
    pollfd waiting[ARES_GETSOCK_MAXNUM];
    nfds_t count = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      const short events = static_cast<short>((ARES_GETSOCK_READABLE(bits, i) ? POLLIN : 0) |
                                              (ARES_GETSOCK_WRITABLE(bits, i) ? POLLOUT : 0));
      if (events) waiting[count++] = pollfd{sockets[i], events, 0};
    }
    if (count == 0) break;
    timeval wait{};
    const timeval* next = ares_timeout(channel, nullptr, &wait);
    const int timeout_ms =
        next ? static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000) : -1;
    const int ready = poll(waiting, count, timeout_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) {
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts only
      continue;
    }
    for (nfds_t i = 0; i < count; ++i) {
      const short got = waiting[i].revents;
      if (!got) continue;
      const bool readable = got & (POLLIN | POLLERR | POLLHUP);
      ares_process_fd(channel, readable ? waiting[i].fd : ARES_SOCKET_BAD,
                      (got & POLLOUT) ? waiting[i].fd : ARES_SOCKET_BAD);
    }
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
