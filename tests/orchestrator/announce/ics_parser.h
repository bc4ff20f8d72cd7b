// Reads a generated invite back with a real iCalendar parser: Debian's python3-icalendar, run by
// the system python3 (FIREDRILL_TEST_PYTHON) through ics_fields.py beside this file.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <optional>

namespace firedrill::testing {

/// Parses `ics` and returns the fields ics_fields.py prints (method, uid, summary, description,
/// dtstart/dtend/dtstamp as UTC instants, organizer, attendees, sequence, status, errors). When
/// the parser is not available, emits a WARN naming the reason and returns nothing, so the caller
/// skips its checks visibly. A parse failure fails the current test.
std::optional<boost::json::object> ParseWithIcalendar(const std::filesystem::path& ics);

}  // namespace firedrill::testing
