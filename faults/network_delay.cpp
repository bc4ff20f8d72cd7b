#include "faults/network_delay.h"

#include <fmt/format.h>

#include <cctype>
#include <memory>

#include "faults/param_builder.h"
#include "faults/param_reader.h"

namespace firedrill {

std::string NetworkDelayParams::Describe() const {
  std::string text = fmt::format("add {} latency", FormatDuration(latency));
  if (jitter > Duration::zero()) text += fmt::format(" (+/- {} jitter)", FormatDuration(jitter));
  if (loss_percent > 0) text += fmt::format(" and {:g}% loss", loss_percent);
  return text + fmt::format(" to packets leaving {}", interface);
}

FaultKindSpec NetworkDelaySpec() {
  FaultKindSpec spec;
  spec.name = kNetworkDelayKind;
  spec.summary = "Add latency, jitter and packet loss to a network interface";
  spec.params = {
      ParamBuilder("interface", ParamType::kString,
                   "network interface whose outgoing packets are delayed, e.g. eth0")
          .Required()
          .Build(),
      ParamBuilder("latency", ParamType::kDuration,
                   "delay added to every packet, greater than 0 (netem's \"delay\")")
          .Required()
          .Build(),
      ParamBuilder("jitter", ParamType::kDuration,
                   "random variation of the latency, plus or minus (default 0s)")
          .Build(),
      ParamBuilder("loss", ParamType::kNumber,
                   "percentage of packets dropped, 0 to 100 (default 0)")
          .Range(0, 100)
          .Build(),
  };
  spec.default_restore_timeout = std::chrono::seconds(10);
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    auto params = std::make_shared<NetworkDelayParams>();
    params->interface = reader.RequiredString("interface");
    if (params->interface.size() > kMaxInterfaceNameLength) {
      reader.Fail("interface", fmt::format("interface \"{}\" is longer than {} characters, which "
                                           "no network interface name can be",
                                           params->interface, kMaxInterfaceNameLength));
    } else {
      for (char c : params->interface) {
        if (c == '/' || std::isspace(static_cast<unsigned char>(c))) {
          reader.Fail("interface",
                      fmt::format("interface \"{}\" contains '/' or white space, which no "
                                  "network interface name can",
                                  params->interface));
          break;
        }
      }
    }
    params->latency = reader.RequiredDuration("latency");
    if (reader.Has("latency") && params->latency <= Duration::zero()) {
      reader.Fail("latency", "latency must be greater than 0s");
    }
    params->jitter = reader.DurationOf("jitter", Duration::zero());
    params->loss_percent = reader.Number("loss", 0);
    if (!(params->loss_percent >= 0 && params->loss_percent <= 100)) {
      reader.Fail("loss", fmt::format("loss must be a percentage from 0 to 100, not {:g}",
                                      params->loss_percent));
    }
    if (reader.failed()) return nullptr;
    return params;
  };
  return spec;
}

}  // namespace firedrill
