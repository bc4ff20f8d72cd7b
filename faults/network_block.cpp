#include "faults/network_block.h"

#include <fmt/format.h>

#include <memory>
#include <utility>

#include "faults/param_builder.h"
#include "faults/param_reader.h"

namespace firedrill {

const char* BlockProtocolName(BlockProtocol protocol) {
  return protocol == BlockProtocol::kUdp ? "udp" : "tcp";
}

const char* BlockDirectionName(BlockDirection direction) {
  switch (direction) {
    case BlockDirection::kIn:
      return "in";
    case BlockDirection::kOut:
      return "out";
    case BlockDirection::kBoth:
      return "both";
  }
  return "in";
}

const char* BlockModeName(BlockMode mode) { return mode == BlockMode::kReject ? "reject" : "drop"; }

std::string NetworkBlockParams::Describe() const {
  std::string text =
      fmt::format("{} {:g}% of {} packets to port {} ({})", BlockModeName(mode), probability * 100,
                  BlockProtocolName(protocol), port, BlockDirectionName(direction));
  if (address) text += fmt::format(" to/from {}", address->ToString());
  return text;
}

FaultKindSpec NetworkBlockSpec() {
  FaultKindSpec spec;
  spec.name = kNetworkBlockKind;
  spec.summary = "Drop or reject the packets of a port with a packet-filter rule";
  spec.params = {
      ParamBuilder("port", ParamType::kInteger,
                   "port whose packets are blocked (local port for in, remote port for out)")
          .Required()
          .Range(1, 65535)
          .Build(),
      ParamBuilder("protocol", ParamType::kString, "transport protocol (default tcp)")
          .OneOf({"tcp", "udp"})
          .Build(),
      ParamBuilder("direction", ParamType::kString,
                   "in = packets arriving at the port, out = packets sent to it, both (default in)")
          .OneOf({"in", "out", "both"})
          .Build(),
      ParamBuilder(
          "mode", ParamType::kString,
          "drop = silently discard (clients time out), reject = refuse at once (default drop)")
          .OneOf({"drop", "reject"})
          .Build(),
      ParamBuilder("probability", ParamType::kNumber,
                   "fraction of packets affected, greater than 0 and at most 1 (default 1.0)")
          .Range(0, 1)
          .Build(),
      ParamBuilder("address", ParamType::kString,
                   "only traffic to/from this IPv4/IPv6 address or CIDR network (optional)")
          .Build(),
  };
  spec.default_restore_timeout = std::chrono::seconds(10);
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    auto params = std::make_shared<NetworkBlockParams>();
    if (!reader.Has("port")) reader.FailAtFault("missing required parameter port");
    const std::int64_t port = reader.Integer("port", 0);
    if (reader.Has("port") && (port < 1 || port > 65535)) {
      reader.Fail("port", fmt::format("port must be from 1 to 65535, not {}", port));
    }
    params->port = static_cast<int>(port);
    params->protocol = reader.Choice<BlockProtocol>(
        "protocol", {{"tcp", BlockProtocol::kTcp}, {"udp", BlockProtocol::kUdp}},
        BlockProtocol::kTcp);
    params->direction = reader.Choice<BlockDirection>("direction",
                                                      {{"in", BlockDirection::kIn},
                                                       {"out", BlockDirection::kOut},
                                                       {"both", BlockDirection::kBoth}},
                                                      BlockDirection::kIn);
    params->mode = reader.Choice<BlockMode>(
        "mode", {{"drop", BlockMode::kDrop}, {"reject", BlockMode::kReject}}, BlockMode::kDrop);
    params->probability = reader.Number("probability", 1.0);
    if (!(params->probability > 0 && params->probability <= 1)) {
      reader.Fail("probability",
                  fmt::format("probability must be greater than 0 and at most 1, not {:g}",
                              params->probability));
    }
    if (std::optional<std::string> address = reader.OptionalString("address")) {
      Expected<IpNetwork> net = ParseIpNetwork(*address);
      if (net) {
        params->address = *std::move(net);
      } else {
        reader.Fail("address", fmt::format("address {}", net.error().message));
      }
    }
    if (reader.failed()) return nullptr;
    return params;
  };
  return spec;
}

}  // namespace firedrill
