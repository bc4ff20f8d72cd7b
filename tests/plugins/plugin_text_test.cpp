// The text firedrill makes of plugin values: numbers as people write them, and the placeholders
// of a kind's `manual` text.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "plugins/plugin_manual.h"
#include "plugins/plugin_protocol.h"

using namespace firedrill;
namespace json = boost::json;

TEST_CASE("plugin text: numbers are written as people write them", "[plugins]") {
  CHECK(PluginJsonText(json::value(2)) == "2");
  CHECK(PluginJsonText(json::value(-7)) == "-7");
  CHECK(PluginJsonText(json::value(2.0)) == "2");
  CHECK(PluginJsonText(json::value(2.5)) == "2.5");
  CHECK(PluginJsonText(json::value(0.1)) == "0.1");
  CHECK(PluginJsonText(json::value(-0.25)) == "-0.25");
  CHECK(PluginJsonText(json::value(1e20)) == "1e+20");
  CHECK(json::parse(PluginJsonText(json::value(1e-7))).as_double() == 1e-7);
  CHECK(PluginJsonText(json::value(std::numeric_limits<double>::infinity())) == "null");
  CHECK(PluginJsonText(json::value(std::uint64_t{18446744073709551615u})) ==
        "18446744073709551615");
  // Everything else as compact JSON, nested values included.
  CHECK(PluginJsonText(json::parse(R"({"a":[1,2.5,"x\"y",true,null],"b":{"c":3.0}})")) ==
        R"({"a":[1,2.5,"x\"y",true,null],"b":{"c":3}})");
  CHECK(PluginValueText(json::parse(R"(["a","b"])"), ",") == "a,b");
  CHECK(PluginValueText(json::value("text"), ",") == "text");
  CHECK(PluginValueText(json::value(3.0), ",") == "3");
  CHECK(PluginValueText(json::value(), ",").empty());
}

TEST_CASE("plugin text: manual placeholders take parameters and state members", "[plugins]") {
  const json::object params = json::parse(R"({"host":"db-1","port":5432,"ratio":0.5,"force":false,)"
                                          R"("tags":["a","b"],"none":null})")
                                  .as_object();
  const json::value state = json::parse(R"({"prior":"100mb","n":2.0})");
  CHECK(FillManualPlaceholders("psql -h {host} -p {port}", params, state) ==
        "psql -h db-1 -p 5432");
  CHECK(FillManualPlaceholders("{ratio} {force} {tags}", params, state) == "0.5 false a,b");
  CHECK(FillManualPlaceholders("set {state.prior} x{state.n}", params, state) == "set 100mb x2");
  // Without a value, or not a placeholder: as written.
  CHECK(FillManualPlaceholders("{none} {missing} {state.gone} HOST", params, state) ==
        "{none} {missing} {state.gone} HOST");
  CHECK(FillManualPlaceholders(R"(curl -d '{"a":1}' {} { host } {host)", params, state) ==
        R"(curl -d '{"a":1}' {} { host } {host)");
  CHECK(FillManualPlaceholders("{{host}} {state.}", params, state) == "{db-1} {state.}");
  CHECK(FillManualPlaceholders("{state.prior}", params, json::value()) == "{state.prior}");
  CHECK(FillManualPlaceholders("", params, state).empty());
}
