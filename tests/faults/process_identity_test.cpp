// ProcessIdentity: read from /proc, validated, and stored as JSON (the engine keeps it in its
// fault ledger).
#include "faults/process_identity.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace firedrill;

TEST_CASE("process identity: this process, read from /proc", "[faults][identity]") {
  Expected<ProcessIdentity> self = LocalProcessIdentity(::getpid());
  REQUIRE(self.ok());
  CHECK(self->pid == ::getpid());
  CHECK(self->pgid == ::getpgrp());
  CHECK(self->where == "local");
  CHECK(ValidateIdentity(*self).ok());
  CHECK_FALSE(LocalProcessIdentity(0).ok());
}

TEST_CASE("process identity: JSON round trip and what is refused", "[faults][identity]") {
  ProcessIdentity identity{4242, 4242, "987654", "0f3c2a1e-1111-2222-3333-444455556666",
                           "drill@db:22"};
  const boost::json::value json = boost::json::value_from(identity);
  CHECK(json.at("pid").as_int64() == 4242);
  CHECK(json.at("where").as_string() == "drill@db:22");
  Expected<ProcessIdentity> back = ProcessIdentityFromJson(json);
  REQUIRE(back.ok());
  CHECK(*back == identity);
  CHECK(boost::json::value_to<ProcessIdentity>(json) == identity);

  boost::json::value no_boot = json;
  no_boot.as_object().erase("boot_id");
  CHECK_THAT(ProcessIdentityFromJson(no_boot).error().message, Catch::Contains("boot_id"));
  CHECK_FALSE(boost::json::try_value_to<ProcessIdentity>(no_boot).has_value());

  boost::json::value init = json;
  init.as_object()["pgid"] = 1;
  CHECK_FALSE(ProcessIdentityFromJson(init).ok());

  boost::json::value shell = json;
  shell.as_object()["start_time"] = "1; reboot";
  CHECK_FALSE(ProcessIdentityFromJson(shell).ok());
  CHECK_FALSE(ProcessIdentityFromJson(boost::json::value(3)).ok());
}
