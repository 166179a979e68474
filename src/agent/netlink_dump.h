#pragma once
// One netlink dump: open a socket on `bus`, send `request` (its type, NLM_F_DUMP and any extra
// header already filled in by the caller), and run `callback` on every answer until the end.
// Shared by the rtnetlink snapshot and the sock_diag lookup.

#include <libmnl/libmnl.h>

#include "core/result.h"

namespace netwarden::agent {

Result<void> NetlinkDump(int bus, nlmsghdr* request, mnl_cb_t callback, void* data);

}  // namespace netwarden::agent
