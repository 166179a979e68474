#pragma once
// Reads table `inet <table>` back through netlink dumps (libmnl), never through an nft listing
// (which fetches every element of every set first: seconds and hundreds of MB at 1 M entries).
// Sets and chains cost one small dump each; element counts one dump per set, counted as the
// messages arrive without building objects.

#include <string>

#include "core/result.h"
#include "threats/threat_kernel.h"

namespace netwarden::threats {

Result<TableSnapshot> ReadThreatTable(const std::string& table, bool count_elements);

}  // namespace netwarden::threats
