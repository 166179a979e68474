#pragma once
// One netlink dump: open a socket on `bus`, send `request` (its type, NLM_F_DUMP and any extra
// header already filled in by the caller), and run `callback` on every answer until the end.
// Shared by the rtnetlink snapshot and the sock_diag lookup.
//
// Only a dump that reached NLMSG_DONE succeeds: an NLMSG_ERROR, a receive error (ENOBUFS, a
// truncated message) or an early end is an error, never a partial answer. A dump the kernel
// marks interrupted (NLM_F_DUMP_INTR) is repeated; `restart` (if given) runs before each repeat
// so the caller can forget what the callback collected.

#include <libmnl/libmnl.h>

#include <functional>

#include "core/result.h"

namespace netwarden::agent {

Result<void> NetlinkDump(int bus, nlmsghdr* request, mnl_cb_t callback, void* data,
                         const std::function<void()>& restart = {});

}  // namespace netwarden::agent
