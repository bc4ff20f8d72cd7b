// The runtime of network.block: one nftables chain per hook in firedrill's own table
// `inet firedrill`, holding the single rule that drops or rejects the fault's packets.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "faults/fault.h"
#include "faults/network_block.h"

namespace firedrill {

/// The nftables family and table firedrill owns; nothing else in the ruleset is ever touched.
inline constexpr char kNftTable[] = "inet firedrill";

/// Longest chain name used: nft accepts 255 bytes on recent kernels but only 31 before 4.14.
inline constexpr std::size_t kMaxNftChainName = 31;

/// Returns the chain names of fault `fault_id` in drill `drill_id`: "<base>_in" and/or
/// "<base>_out" per `direction`, where base is "fd_<drill>_<fault>" with every byte outside
/// [A-Za-z0-9_] replaced, or, when that changed anything or is too long, a truncated prefix plus
/// a hash of the exact ids (so distinct faults never share a chain). Each is at most
/// kMaxNftChainName bytes.
std::vector<std::string> NftChainNames(std::string_view drill_id, std::string_view fault_id,
                                       BlockDirection direction);

/// Returns the nft script (for `nft -f -`) that creates `chains` (as NftChainNames returned them
/// for `params.direction`) in kNftTable and fills each with the fault's rule, replacing any rule
/// already there. Applied in one transaction: all of it or nothing.
std::string NftInjectScript(const NetworkBlockParams& params,
                            const std::vector<std::string>& chains);

/// Returns the runtime of network.block. State: {"table", "chains": [...], "rules": "..."}.
std::unique_ptr<Fault> MakeNetworkBlockFault();

}  // namespace firedrill
