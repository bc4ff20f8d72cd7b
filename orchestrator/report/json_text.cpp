#include "orchestrator/report/json_text.h"

#include <algorithm>
#include <boost/json.hpp>

namespace firedrill {
namespace {

void Write(const boost::json::value& v, int depth, std::string& out) {
  auto indent = [&](int d) { out.append(static_cast<std::size_t>(d) * 2, ' '); };
  if (v.is_object()) {
    const boost::json::object& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& kv : o) {
      if (!first) out += ",\n";
      first = false;
      indent(depth + 1);
      out += boost::json::serialize(boost::json::value(kv.key()));
      out += ": ";
      Write(kv.value(), depth + 1, out);
    }
    out += "\n";
    indent(depth);
    out += "}";
  } else if (v.is_array()) {
    const boost::json::array& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    bool first = true;
    for (const auto& e : a) {
      if (!first) out += ",\n";
      first = false;
      indent(depth + 1);
      Write(e, depth + 1, out);
    }
    out += "\n";
    indent(depth);
    out += "]";
  } else {
    out += boost::json::serialize(v);
  }
}

}  // namespace

std::string PrettyJson(const boost::json::value& v) {
  std::string out;
  Write(v, 0, out);
  out += "\n";
  return out;
}

void AppendJsonString(std::string& out, std::string_view text) {
  bool plain = std::none_of(text.begin(), text.end(), [](char c) {
    return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  });
  if (!plain) {
    out += boost::json::serialize(boost::json::string_view(text.data(), text.size()));
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

std::string StringField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace firedrill
