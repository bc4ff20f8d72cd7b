#include "drills/zone_lookup.h"

#include <exception>

namespace firedrill {

const date::time_zone* FindZone(std::string_view zone) {
  if (zone.empty() || zone.size() > 128) return nullptr;
  try {
    return date::locate_zone(zone);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace firedrill
