// Filling the placeholders of a plugin kind's `manual` text.
#include "plugins/plugin_manual.h"

#include <cctype>
#include <optional>

#include "plugins/plugin_protocol.h"

namespace firedrill {
namespace json = boost::json;

namespace {

constexpr std::string_view kStatePrefix = "state.";

// True iff `name` can be a placeholder: a parameter name (letters, digits, '_', '-'), or
// "state." followed by one.
bool PlaceholderName(std::string_view name) {
  if (name.rfind(kStatePrefix, 0) == 0) name.remove_prefix(kStatePrefix.size());
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '_' && c != '-') return false;
  }
  return true;
}

// The text of placeholder `name`, or nullopt when it has no value.
std::optional<std::string> ValueOf(std::string_view name, const json::object& params,
                                   const json::value& state) {
  const json::value* v = nullptr;
  if (name.rfind(kStatePrefix, 0) == 0) {
    if (const json::object* o = state.if_object())
      v = o->if_contains(name.substr(kStatePrefix.size()));
  } else {
    v = params.if_contains(name);
  }
  if (v == nullptr || v->is_null()) return std::nullopt;
  return PluginValueText(*v, ",");
}

}  // namespace

std::string FillManualPlaceholders(std::string_view manual, const json::object& params,
                                   const json::value& state) {
  std::string out;
  out.reserve(manual.size());
  std::size_t at = 0;
  while (at < manual.size()) {
    const std::size_t open = manual.find('{', at);
    if (open == std::string_view::npos) break;
    out += manual.substr(at, open - at);
    const std::size_t close = manual.find('}', open + 1);
    const std::string_view name = close == std::string_view::npos
                                      ? std::string_view()
                                      : manual.substr(open + 1, close - open - 1);
    std::optional<std::string> value;
    if (PlaceholderName(name)) value = ValueOf(name, params, state);
    if (value) {
      out += *value;
      at = close + 1;
    } else {
      // Not a placeholder, or one without a value: the brace as written, and go on after it (a
      // placeholder may follow inside, as in "{{port}}").
      out += '{';
      at = open + 1;
    }
  }
  if (at < manual.size()) out += manual.substr(at);
  return out;
}

}  // namespace firedrill
