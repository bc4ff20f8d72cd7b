#include "orchestrator/control/form_fields.h"

#include <fmt/format.h>

#include <boost/url/encode.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace firedrill {
namespace {

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or values over U+10FFFF).
bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

Expected<std::map<std::string, std::string>> ParseFormFields(std::string_view text) {
  std::map<std::string, std::string> out;
  if (text.empty()) return out;
  auto parsed = boost::urls::parse_query(text);
  if (!parsed) {
    return Error(fmt::format("malformed form field text \"{}\": {}", text.substr(0, 200),
                             parsed.error().message()));
  }
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;  // a form writes a space as '+'
  for (boost::urls::param_pct_view p : *parsed) {
    std::string name = p.key.decode(opts);
    std::string value = p.has_value ? p.value.decode(opts) : std::string();
    if (!ValidUtf8(name) || !ValidUtf8(value)) {
      return Error(fmt::format("form field \"{}\" is not valid UTF-8", name.substr(0, 100)));
    }
    out[std::move(name)] = std::move(value);
  }
  return out;
}

std::string FormEncode(std::string_view value) {
  return boost::urls::encode(value, boost::urls::unreserved_chars);
}

}  // namespace firedrill
