#pragma once
// nftables change notifications (the NFNLGRP_NFTABLES netlink group, what `nft monitor` reads):
// tells the agent within milliseconds that another process changed or deleted one of its tables,
// so drift is repaired at once instead of at the next periodic check. Batches committed by this
// process itself (any of its threads) are ignored.

#include <memory>
#include <set>
#include <string>

#include "core/result.h"

struct mnl_socket;

namespace netwarden::agent {

struct NftChanges {
  std::set<std::string> tables;  // our tables ("netwarden", "netwarden_threats") someone touched
  bool overrun = false;          // notifications were lost (ENOBUFS): check everything
  bool any() const { return overrun || !tables.empty(); }
};

class NftMonitor {
 public:
  // `tables`: the names (family inet) worth reporting.
  static Result<std::unique_ptr<NftMonitor>> Open(std::set<std::string> tables);
  ~NftMonitor();
  NftMonitor(const NftMonitor&) = delete;
  NftMonitor& operator=(const NftMonitor&) = delete;

  int fd() const;
  // Reads what is pending; what other processes did to our tables.
  NftChanges ReadPending();

  // Leaves / rejoins the group around a big commit of this process: while anybody listens, the
  // kernel builds one notification per set element inside the commit (1.5 M threat elements:
  // ~40 s of kernel time instead of ~3 s). What others commit meanwhile is not notified, so the
  // caller checks every table right after Resume().
  Result<void> Pause();
  Result<void> Resume();

 private:
  NftMonitor(mnl_socket* socket, std::set<std::string> tables)
      : socket_(socket), tables_(std::move(tables)) {}
  void OnMessage(const void* header, NftChanges& changes);

  mnl_socket* socket_;
  std::set<std::string> tables_;
  std::set<std::string> touched_;  // since the last generation message
};

// True when `tid` is a thread of this process (the committer named in a generation message).
bool IsOwnThread(int tid);

}  // namespace netwarden::agent
