// The README's main job: `firedrill demo`, a whole drill against the bundled service, on a
// terminal as a person runs it.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "orchestrator/exit_status.h"
#include "tests/integration/e2e_support.h"
#include "tests/integration/pty_firedrill.h"
#include "tests/support/doc_output.h"
#include "tests/support/temp_dir.h"

namespace {

using firedrill::kExitOk;
using firedrill::testing::CheckDocOutput;
using firedrill::testing::Firedrill;
using firedrill::testing::PtyFiredrill;
using firedrill::testing::TempDir;
using firedrill::testing::Visible;

}  // namespace

TEST_CASE("demo: the whole drill runs, the team recovers, and the records verify", "[e2e][demo]") {
  TempDir tmp;
  const std::filesystem::path state = tmp.path() / "state";
  // 110 columns, as the capture in docs/running-a-drill.md.
  PtyFiredrill demo({"demo", "--state", state.string()}, {"TERM=xterm-256color"}, 110);
  const int status = demo.Wait();
  const std::string out = Visible(demo.Output());
  INFO(out);
  CHECK(status == kExitOk);
  CHECK_THAT(out, Catch::Contains("run ended: recovered-by-team"));
  CHECK_THAT(out, Catch::Contains("restored and verified"));
  CHECK_THAT(out, Catch::Contains("Postmortem draft:"));
  // The event lines and the live block the docs show.
  CheckDocOutput("demo-live", out);
  Firedrill verify(tmp.path(), {"records", "verify", "--state", state.string()});
  const int verified = verify.Wait();
  INFO(verify.Output());
  CHECK(verified == kExitOk);
}
