// The README's main job: `firedrill demo`, a whole drill against the bundled service.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "orchestrator/exit_status.h"
#include "tests/integration/e2e_support.h"
#include "tests/support/temp_dir.h"

namespace {

using firedrill::kExitOk;
using firedrill::testing::Firedrill;
using firedrill::testing::TempDir;

}  // namespace

TEST_CASE("demo: the whole drill runs, the team recovers, and the records verify", "[e2e][demo]") {
  TempDir tmp;
  const std::filesystem::path state = tmp.path() / "state";
  Firedrill demo(tmp.path(), {"demo", "--state", state.string()});
  const int status = demo.Wait();
  const std::string out = demo.Output();
  INFO(out);
  CHECK(status == kExitOk);
  CHECK_THAT(out, Catch::Contains("run ended: recovered-by-team"));
  CHECK_THAT(out, Catch::Contains("restored and verified"));
  CHECK_THAT(out, Catch::Contains("Postmortem draft:"));
  Firedrill verify(tmp.path(), {"records", "verify", "--state", state.string()});
  const int verified = verify.Wait();
  INFO(verify.Output());
  CHECK(verified == kExitOk);
}
