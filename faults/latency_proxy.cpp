#include "faults/latency_proxy.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>
#include <utility>
#include <vector>

#include "faults/param_builder.h"
#include "faults/param_reader.h"

namespace firedrill {
namespace {

HostPort ReadHostPort(ParamReader& reader, const std::string& name) {
  std::string text = reader.RequiredString(name);
  if (text.empty()) return {};
  Expected<HostPort> parsed = ParseHostPort(text);
  if (!parsed) {
    reader.Fail(name, fmt::format("{}: {}", name, parsed.error().message));
    return {};
  }
  return *std::move(parsed);
}

}  // namespace

std::string LatencyProxyParams::Describe() const {
  std::vector<std::string> effects;
  if (latency > Duration::zero() || jitter > Duration::zero()) {
    std::string text = fmt::format("adding {} latency", FormatDuration(latency));
    if (jitter > Duration::zero()) text += fmt::format(" (+/- {} jitter)", FormatDuration(jitter));
    effects.push_back(std::move(text));
  }
  if (reset_probability > 0) {
    effects.push_back(fmt::format("resetting {:g}% of connections", reset_probability * 100));
  }
  return fmt::format("proxy {} -> {} {}", listen.ToString(), upstream.ToString(),
                     fmt::join(effects, ", "));
}

FaultKindSpec LatencyProxySpec() {
  FaultKindSpec spec;
  spec.name = kLatencyProxyKind;
  spec.summary =
      "Run a TCP proxy that delays data and resets connections between clients and an upstream";
  spec.params = {
      ParamBuilder("listen", ParamType::kString,
                   "HOST:PORT the proxy listens on, where clients connect (e.g. 127.0.0.1:15432, "
                   "[::1]:15432)")
          .Required()
          .Build(),
      ParamBuilder("upstream", ParamType::kString,
                   "HOST:PORT the proxy forwards to (e.g. db.internal:5432)")
          .Required()
          .Build(),
      ParamBuilder("latency", ParamType::kDuration,
                   "delay added to data in each direction (default 0s)")
          .Build(),
      ParamBuilder("jitter", ParamType::kDuration,
                   "random variation of the latency, plus or minus (default 0s)")
          .Build(),
      ParamBuilder("reset_probability", ParamType::kNumber,
                   "fraction of connections reset by the proxy, 0 to 1 (default 0)")
          .Range(0, 1)
          .Build(),
  };
  spec.default_restore_timeout = std::chrono::seconds(5);
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    auto params = std::make_shared<LatencyProxyParams>();
    params->listen = ReadHostPort(reader, "listen");
    params->upstream = ReadHostPort(reader, "upstream");
    if (params->listen.port != 0 && params->listen == params->upstream) {
      reader.Fail("upstream", fmt::format("upstream {} is the proxy's own listen address",
                                          params->upstream.ToString()));
    }
    params->latency = reader.DurationOf("latency", Duration::zero());
    params->jitter = reader.DurationOf("jitter", Duration::zero());
    params->reset_probability = reader.Number("reset_probability", 0);
    if (!(params->reset_probability >= 0 && params->reset_probability <= 1)) {
      reader.Fail("reset_probability",
                  fmt::format("reset_probability must be from 0 to 1, not {:g}",
                              params->reset_probability));
    } else if (params->latency == Duration::zero() && params->jitter == Duration::zero() &&
               params->reset_probability == 0) {
      reader.FailAtFault(
          "the proxy would not change anything: set latency, jitter or reset_probability "
          "above 0");
    }
    if (reader.failed()) return nullptr;
    return params;
  };
  return spec;
}

}  // namespace firedrill
