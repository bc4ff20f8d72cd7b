// The Fault runtime of every plugin kind: each Fault call is one plugin action.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "drills/fault_kind.h"
#include "faults/fault.h"
#include "plugins/plugin_protocol.h"

namespace firedrill {

/// The typed parameters of a plugin fault: the kind it belongs to and its values as JSON, with
/// the kind's defaults filled in. Built by the FaultKindSpec of PluginKindSpec.
class PluginParams : public FaultParams {
 public:
  PluginParams(std::shared_ptr<const PluginKind> kind, boost::json::object values)
      : kind_(std::move(kind)), values_(std::move(values)) {}

  /// Returns "plugin redis: duration=10s" style text.
  std::string Describe() const override;

  const PluginKind& kind() const { return *kind_; }
  const boost::json::object& values() const { return values_; }

 private:
  std::shared_ptr<const PluginKind> kind_;
  boost::json::object values_;
};

/// Returns the loader's view of a plugin kind: its schema and a factory that makes PluginParams.
FaultKindSpec PluginKindSpec(std::shared_ptr<const PluginKind> kind);

/// Returns the runtime of a plugin kind. Every call runs the plugin through the context's runner
/// (for a runner other than "local", the executable is first copied with InstallPlugin to
/// RemotePluginPath, once per process and target). Each call may take the kind's
/// default_restore_timeout; restore takes the fault's restore_timeout when it sets one. The
/// `inject` call runs with the context's inject_hooks (behind the gate when they are set).
///
/// - Prepare: `validate` (state null); returns the response's state as JSON text ("null" when
///   absent).
/// - Inject / InjectAndCapture: `inject` with that state; InjectAndCapture returns the state to
///   keep: the response's state merged over the prior one (members of two objects merged, the
///   new one winning; otherwise the new state unless it is null).
/// - Check: `check`, returning its "in_place".
/// - Restore: `restore` with the stored state. It may be the Prepare state or null when
///   firedrill stopped between inject and recording the new state; plugins must handle that.
/// - ManualRestore: the kind's `manual` text from describe, else a command that sends the
///   restore request to the plugin by hand.
std::unique_ptr<Fault> MakePluginFault(const PluginKind& kind);

/// Returns the runtime for a loaded fault: a built-in kind's (MakeBuiltinFault) or, when its
/// params are PluginParams, the plugin kind's. Returns nullptr for an unknown kind.
std::unique_ptr<Fault> MakeFaultFor(const FaultSpec& spec);

/// Merges `next` over `prior` as InjectAndCapture does.
boost::json::value MergePluginState(const boost::json::value& prior,
                                    const boost::json::value& next);

}  // namespace firedrill
