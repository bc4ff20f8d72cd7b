// The `manual` text of a plugin kind (how a person undoes the fault by hand), with its
// placeholders filled from the fault's parameters and recorded state.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace firedrill {

/// Returns `manual` with its placeholders filled: `{NAME}` by the value of parameter NAME in
/// `params` (PluginValueText, string lists joined with ","), `{state.KEY}` by member KEY of
/// `state` when the state is an object. A placeholder without a value (a parameter neither set
/// nor defaulted, a state member not recorded) and all other text, braces included, stay as
/// written. Filled values are not quoted for a shell: the text is for a person to read.
std::string FillManualPlaceholders(std::string_view manual, const boost::json::object& params,
                                   const boost::json::value& state);

}  // namespace firedrill
