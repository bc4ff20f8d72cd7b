// Drills shared by the invite tests.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "drills/drill.h"

namespace firedrill::testing {

/// The DTSTAMP the invite tests render with: 2027-04-01 08:30 UTC.
inline const SysTime kStamp = SysTime{std::chrono::sys_days{std::chrono::year{2027} / 4 / 1} +
                                      std::chrono::hours{8} + std::chrono::minutes{30}};

/// 2027-04-14 14:00-15:00 Europe/Berlin (12:00-13:00 UTC) on "checkout", owned by
/// "Platform Team <platform@example.com>", with three participants and two announce attendees.
inline Drill InviteDrill() {
  using namespace std::chrono;
  Drill d;
  d.id = "checkout-db-blackhole";
  d.title = "Checkout loses its PostgreSQL database";
  d.service = "checkout";
  d.owner = "Platform Team <platform@example.com>";
  d.playbook = "https://wiki.example.com/runbooks/checkout/database-unreachable";
  d.hypothesis = "PostgresUnreachable fires within 3 minutes; checkout serves cached pages.";
  d.participants = {{"jonas.weber@example.com", "incident-commander"},
                    {"dba-oncall@example.com", "responder"},
                    {"product-owner@example.com", "observer"}};
  d.window.start = SysTime{sys_days{year{2027} / 4 / 14} + hours{12}};
  d.window.end = d.window.start + hours{1};
  d.window.zone = "Europe/Berlin";
  d.announce.attendees = {"checkout-team@example.com", "dba@example.com"};
  return d;
}

/// A drill whose texts hold everything that needs escaping or careful folding: ',' ';' '\\',
/// line breaks, quotes, and multi-byte UTF-8 (2, 3 and 4 octets) in long lines.
inline Drill AwkwardDrill() {
  Drill d = InviteDrill();
  d.id = "kasse-ærø";
  d.title = "Kassen; mister, sin \\database\\ — før påske 🐣";
  d.owner = "\"Søren Ø. Ågård, SRE\" <soren@example.com>";
  d.playbook = "https://wiki.example.com/runbooks/kasse?page=db;section=1,2";
  std::string long_text;
  for (int i = 0; i < 12; ++i) long_text += "æøå€🐣, ; \\ ";
  d.hypothesis =
      "Første linje: alarmen går inden for 3 minutter;\nanden linje, med \"citat\".\r\n" +
      long_text + "\nSlut.";
  d.participants = {{"Åse Ødegård <aase@example.com>", "incident-commander"},
                    {"no address at all", "responder"},
                    {"AASE@example.com", "observer"}};
  d.announce.attendees = {"team@example.com", "no address at all", "Team <TEAM@example.com>",
                          "printer; lpr <x@y>"};
  return d;
}

}  // namespace firedrill::testing
