#include "faults/process_identity.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

namespace firedrill {
namespace json = boost::json;
namespace {

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool HexAndDashes(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isxdigit(c) != 0 || c == '-';
  });
}

std::string ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Why `json` is not an identity, or "" when it is one; fills `out`.
std::string Convert(const json::value& value, ProcessIdentity& out) {
  const json::object* object = value.if_object();
  if (object == nullptr) return "not a JSON object";
  for (auto [key, field] : {std::pair<const char*, long*>{"pid", &out.pid}, {"pgid", &out.pgid}}) {
    const json::value* number = object->if_contains(key);
    if (number != nullptr && number->is_int64()) {
      *field = static_cast<long>(number->as_int64());
    } else if (number != nullptr && number->is_uint64()) {
      *field = static_cast<long>(number->as_uint64());
    } else {
      return fmt::format("no integer \"{}\"", key);
    }
  }
  for (auto [key, field] : {std::pair<const char*, std::string*>{"start_time", &out.start_time},
                            {"boot_id", &out.boot_id},
                            {"where", &out.where}}) {
    const json::value* text = object->if_contains(key);
    if (text == nullptr || !text->is_string()) return fmt::format("no string \"{}\"", key);
    *field = std::string(text->as_string());
  }
  Status valid = ValidateIdentity(out);
  return valid ? "" : valid.error().message;
}

}  // namespace

std::string ProcessIdentity::Describe() const {
  return fmt::format("pid {} (group {}, started at tick {} of boot {}) on {}", pid, pgid,
                     start_time, boot_id.substr(0, 8), where);
}

Status ValidateIdentity(const ProcessIdentity& identity) {
  if (identity.pid <= 1 || identity.pgid <= 1) {
    return Error(fmt::format("process identity: pid {} / group {} is not a process of a command",
                             identity.pid, identity.pgid));
  }
  if (!AllDigits(identity.start_time)) {
    return Error(
        fmt::format("process identity: start time \"{}\" is not a number", identity.start_time));
  }
  if (!HexAndDashes(identity.boot_id)) {
    return Error(
        fmt::format("process identity: boot id \"{}\" is not a boot id", identity.boot_id));
  }
  if (identity.where.empty()) return Error("process identity: no target");
  return Status::Ok();
}

Expected<ProcessIdentity> LocalProcessIdentity(pid_t pid) {
  const std::string stat = ReadLine(fmt::format("/proc/{}/stat", pid));
  // The name in parentheses may hold spaces and ')': fields are counted after the last ')'.
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return Error(fmt::format("process {} is gone", pid));
  std::istringstream fields(stat.substr(paren + 1));
  std::vector<std::string> after;  // after[0] is field 3 (state)
  for (std::string field; fields >> field;) after.push_back(field);
  if (after.size() < 20) return Error(fmt::format("cannot read /proc/{}/stat", pid));
  ProcessIdentity identity;
  identity.pid = pid;
  identity.pgid = std::stol(after[2]);  // field 5
  identity.start_time = after[19];      // field 22
  identity.boot_id = ReadLine("/proc/sys/kernel/random/boot_id");
  identity.where = "local";
  if (Status valid = ValidateIdentity(identity); !valid) return valid.error();
  return identity;
}

void tag_invoke(const json::value_from_tag&, json::value& value, const ProcessIdentity& identity) {
  value = json::object{{"pid", identity.pid},
                       {"pgid", identity.pgid},
                       {"start_time", identity.start_time},
                       {"boot_id", identity.boot_id},
                       {"where", identity.where}};
}

boost::system::result<ProcessIdentity> tag_invoke(const json::try_value_to_tag<ProcessIdentity>&,
                                                  const json::value& value) {
  ProcessIdentity identity;
  if (!Convert(value, identity).empty()) {
    return boost::system::error_code(std::make_error_code(std::errc::invalid_argument));
  }
  return identity;
}

Expected<ProcessIdentity> ProcessIdentityFromJson(const json::value& value) {
  ProcessIdentity identity;
  std::string why = Convert(value, identity);
  if (!why.empty()) return Error("process identity: " + why);
  return identity;
}

}  // namespace firedrill
