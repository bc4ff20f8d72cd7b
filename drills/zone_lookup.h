// Finding an IANA time zone by name without exceptions: the one place firedrill asks the zone
// database, so an unknown or hostile name is handled the same way everywhere.
#pragma once

#include <date/tz.h>

#include <string_view>

namespace firedrill {

/// Returns the zone named `zone` ("Europe/Copenhagen", "UTC"), or nullptr when the name is empty,
/// longer than 128 bytes or not in the zone database. Never throws (date::locate_zone does; the
/// exception stays inside this function). Thread-safe.
const date::time_zone* FindZone(std::string_view zone);

}  // namespace firedrill
