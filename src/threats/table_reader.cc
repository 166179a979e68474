#include "threats/table_reader.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <string_view>

#include "threats/set_batch.h"

namespace netwarden::threats {
namespace {

// Returns false to stop the dump (the socket is closed, the kernel ends it).
using Handler = std::function<Result<bool>(const nlmsghdr*)>;

// Element counts are read only up to this many entries per set. The kernel resumes a set dump by
// walking the set from its start and skipping what it already sent, once per message of ~32 KB:
// counting 1 M elements costs O(n^2) node visits (2.5 minutes for 1.5 M elements on a loaded
// VM). Up to this size the dump stays cheap; a bigger set is reported as not counted.
constexpr size_t kMaxCountedEntries = 16384;

// One dump request; `handler` sees every answer. A netlink error (the set is gone, the kernel
// ran out of memory) is an error, never an empty answer.
Result<void> Dump(uint16_t type, const std::string& table, const std::string& set,
                  const Handler& handler) {
  std::unique_ptr<mnl_socket, decltype(&mnl_socket_close)> socket(
      mnl_socket_open(NETLINK_NETFILTER), mnl_socket_close);
  if (!socket || mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return MakeError(ErrorCode::kKernel, std::string("netlink socket: ") + strerror(errno));
  }
  std::vector<char> buffer(1 << 20);
  const uint32_t seq = static_cast<uint32_t>(time(nullptr));
  nlmsghdr* request =
      nftnl_nlmsg_build_hdr(buffer.data(), type, NFPROTO_INET, NLM_F_DUMP | NLM_F_ACK, seq);
  if (type == NFT_MSG_GETSETELEM) {
    std::unique_ptr<nftnl_set, decltype(&nftnl_set_free)> filter(nftnl_set_alloc(), nftnl_set_free);
    nftnl_set_set_str(filter.get(), NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(filter.get(), NFTNL_SET_NAME, set.c_str());
    nftnl_set_elems_nlmsg_build_payload(request, filter.get());
  } else {
    // Sets, chains and rules are filtered by table in the kernel.
    mnl_attr_put_strz(request, NFTA_TABLE_NAME, table.c_str());  // same id for SET/CHAIN/RULE
  }
  if (mnl_socket_sendto(socket.get(), request, request->nlmsg_len) < 0) {
    return MakeError(ErrorCode::kKernel, std::string("netlink send: ") + strerror(errno));
  }
  for (;;) {
    ssize_t received = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
    if (received < 0) {
      if (errno == EINTR) continue;
      return MakeError(ErrorCode::kKernel, std::string("netlink dump: ") + strerror(errno));
    }
    auto* header = reinterpret_cast<const nlmsghdr*>(buffer.data());
    int length = static_cast<int>(received);
    for (; mnl_nlmsg_ok(header, length); header = mnl_nlmsg_next(header, &length)) {
      if (header->nlmsg_type == NLMSG_DONE) return Ok();
      if (header->nlmsg_type == NLMSG_ERROR) {
        const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(header));
        if (error->error == 0) return Ok();
        return MakeError(ErrorCode::kKernel, "netlink dump of " + table +
                                                 (set.empty() ? "" : " set " + set) + ": " +
                                                 strerror(-error->error));
      }
      auto handled = handler(header);
      if (!handled) return handled.error();
      if (!*handled) return Ok();
    }
  }
}

// libmnl's mnl_attr_for_each macros do arithmetic on void* (C only): the same walk, typed.
template <typename F>
void ForEachAttribute(const char* begin, const char* end, F&& on_attribute) {
  const auto* attribute = reinterpret_cast<const nlattr*>(begin);
  while (mnl_attr_ok(attribute, static_cast<int>(end - reinterpret_cast<const char*>(attribute)))) {
    on_attribute(attribute);
    attribute = mnl_attr_next(attribute);
  }
}

template <typename F>
void ForEachTopAttribute(const nlmsghdr* header, F&& on_attribute) {
  const char* begin =
      static_cast<const char*>(mnl_nlmsg_get_payload_offset(header, sizeof(nfgenmsg)));
  ForEachAttribute(begin, static_cast<const char*>(mnl_nlmsg_get_payload_tail(header)),
                   on_attribute);
}

template <typename F>
void ForEachNested(const nlattr* nest, F&& on_attribute) {
  const char* begin = static_cast<const char*>(mnl_attr_get_payload(nest));
  ForEachAttribute(begin, begin + mnl_attr_get_payload_len(nest), on_attribute);
}

void AppendAttribute(const nlattr* attribute, std::string& out) {
  out.append(reinterpret_cast<const char*>(attribute), mnl_attr_get_len(attribute) + 0u);
}

// A chain without its handle and use count (they change without the chain changing).
void DigestChain(const nlmsghdr* header, std::string& name, std::string& out) {
  ForEachTopAttribute(header, [&](const nlattr* attribute) {
    const uint16_t type = mnl_attr_get_type(attribute);
    if (type == NFTA_CHAIN_HANDLE || type == NFTA_CHAIN_USE || type == NFTA_CHAIN_COUNTERS) return;
    if (type == NFTA_CHAIN_NAME) name = mnl_attr_get_str(attribute);
    AppendAttribute(attribute, out);
  });
}

// A rule without its handle, and its counters without their values.
void DigestRule(const nlmsghdr* header, std::string& out) {
  ForEachTopAttribute(header, [&](const nlattr* attribute) {
    const uint16_t type = mnl_attr_get_type(attribute);
    if (type == NFTA_RULE_HANDLE || type == NFTA_RULE_POSITION) return;
    if (type != NFTA_RULE_EXPRESSIONS) {
      AppendAttribute(attribute, out);
      return;
    }
    ForEachNested(attribute, [&](const nlattr* expression) {
      bool counter = false;
      ForEachNested(expression, [&](const nlattr* part) {
        counter |= mnl_attr_get_type(part) == NFTA_EXPR_NAME &&
                   std::string_view(mnl_attr_get_str(part)) == "counter";
      });
      if (counter) {
        out += "|counter|";
      } else {
        AppendAttribute(expression, out);
      }
    });
  });
}

// Chain dumps are not filtered by table in every kernel: every answer is checked.
bool InTable(const nlmsghdr* header, const std::string& table) {
  bool found = false;
  // NFTA_SET_TABLE, NFTA_CHAIN_TABLE and NFTA_RULE_TABLE are all attribute 1.
  ForEachTopAttribute(header, [&](const nlattr* attribute) {
    if (mnl_attr_get_type(attribute) == NFTA_CHAIN_TABLE)
      found = table == mnl_attr_get_str(attribute);
  });
  return found;
}

size_t CountStartElements(const nlmsghdr* header) {
  size_t count = 0;
  ForEachTopAttribute(header, [&](const nlattr* attribute) {
    if (mnl_attr_get_type(attribute) != NFTA_SET_ELEM_LIST_ELEMENTS) return;
    ForEachNested(attribute, [&](const nlattr* element) {
      uint32_t flags = 0;
      ForEachNested(element, [&](const nlattr* part) {
        if (mnl_attr_get_type(part) == NFTA_SET_ELEM_FLAGS) flags = ntohl(mnl_attr_get_u32(part));
      });
      if (!(flags & NFT_SET_ELEM_INTERVAL_END)) ++count;
    });
  });
  return count;
}

}  // namespace

Result<TableSnapshot> ReadThreatTable(const std::string& table, bool count_elements) {
  TableSnapshot snapshot;
  auto exists = TableExists(table);
  if (!exists) return exists.error();
  if (!*exists) return snapshot;
  snapshot.exists = true;
  auto sets = Dump(NFT_MSG_GETSET, table, "", [&](const nlmsghdr* header) -> Result<bool> {
    if (!InTable(header, table)) return true;
    std::unique_ptr<nftnl_set, decltype(&nftnl_set_free)> set(nftnl_set_alloc(), nftnl_set_free);
    if (nftnl_set_nlmsg_parse(header, set.get()) < 0)
      return MakeError(ErrorCode::kKernel, "unreadable set");
    SetSnapshot& entry = snapshot.sets[nftnl_set_get_str(set.get(), NFTNL_SET_NAME)];
    entry.interval = (nftnl_set_get_u32(set.get(), NFTNL_SET_FLAGS) & NFT_SET_INTERVAL) != 0;
    return true;
  });
  if (!sets) return sets.error();
  auto chains = Dump(NFT_MSG_GETCHAIN, table, "", [&](const nlmsghdr* header) -> Result<bool> {
    if (!InTable(header, table)) return true;
    std::string name;
    DigestChain(header, name, snapshot.rules);
    snapshot.chains.insert(name);
    return true;
  });
  if (!chains) return chains.error();
  auto rules = Dump(NFT_MSG_GETRULE, table, "", [&](const nlmsghdr* header) -> Result<bool> {
    if (InTable(header, table)) DigestRule(header, snapshot.rules);
    return true;
  });
  if (!rules) return rules.error();
  if (count_elements) {
    for (auto& [name, set_binding] : snapshot.sets) {
      // clang before 16 cannot capture a structured binding in a lambda: a plain reference.
      auto& set = set_binding;
      bool too_big = false;
      auto counted =
          Dump(NFT_MSG_GETSETELEM, table, name, [&](const nlmsghdr* header) -> Result<bool> {
            set.entries += CountStartElements(header);
            too_big = set.entries > kMaxCountedEntries;
            return !too_big;
          });
      if (!counted) return counted.error();
      set.counted = !too_big;
      if (too_big) set.entries = 0;
    }
  }
  return snapshot;
}

}  // namespace netwarden::threats
