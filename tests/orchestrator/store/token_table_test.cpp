#include "orchestrator/store/token_table.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "orchestrator/store/database.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/statement.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr Role kAllRoles[] = {Role::kLead, Role::kResponder, Role::kAuditor};

// The secret part of a token: everything after the second '_'.
std::string SecretOf(const std::string& token) { return token.substr(token.rfind('_') + 1); }

using firedrill::testing::ReadFile;

std::optional<Role> AuthRole(TokenTable& tokens, const std::string& token) {
  auto found = tokens.Authenticate(token);
  REQUIRE(found.ok());
  if (!*found) return std::nullopt;
  return (*found)->role;
}

TEST_CASE("role names read back and nothing else parses", "[store][tokens]") {
  for (Role r : kAllRoles) CHECK(ParseRole(RoleName(r)) == r);
  CHECK(RoleName(Role::kLead) == "lead");
  CHECK(RoleName(Role::kResponder) == "responder");
  CHECK(RoleName(Role::kAuditor) == "auditor");
  for (const char* bad : {"", "Lead", "LEAD", "admin", "lead ", "responders", "audit"}) {
    CHECK_FALSE(ParseRole(bad).has_value());
  }
}

TEST_CASE(
    "a lead may do everything, a responder what responders and auditors may, an auditor "
    "only read",
    "[store][tokens]") {
  CHECK(RoleAllows(Role::kLead, Role::kLead));
  CHECK(RoleAllows(Role::kLead, Role::kResponder));
  CHECK(RoleAllows(Role::kLead, Role::kAuditor));
  CHECK_FALSE(RoleAllows(Role::kResponder, Role::kLead));
  CHECK(RoleAllows(Role::kResponder, Role::kResponder));
  CHECK(RoleAllows(Role::kResponder, Role::kAuditor));
  CHECK_FALSE(RoleAllows(Role::kAuditor, Role::kLead));
  CHECK_FALSE(RoleAllows(Role::kAuditor, Role::kResponder));
  CHECK(RoleAllows(Role::kAuditor, Role::kAuditor));
}

TEST_CASE("a created token authenticates with its role", "[store][tokens]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  TokenTable tokens(*db);
  for (Role role : kAllRoles) {
    auto made = tokens.Create(role, "alice");
    REQUIRE(made.ok());
    const auto& [record, token] = *made;
    CHECK(std::regex_match(token, std::regex("fdt_[0-9a-f]{8}_[0-9a-f]{64}")));
    CHECK(token.substr(4, 8) == record.id);
    CHECK(record.role == role);
    CHECK(record.name == "alice");
    CHECK_FALSE(record.revoked.has_value());
    auto found = tokens.Authenticate(token);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->id == record.id);
    CHECK((*found)->role == role);
    CHECK((*found)->name == "alice");
    CHECK((*found)->created == record.created);
  }
}

TEST_CASE("tokens are all different, and so are their ids", "[store][tokens]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  TokenTable tokens(*db);
  std::set<std::string> ids, secrets;
  for (int i = 0; i < 50; ++i) {
    auto made = tokens.Create(Role::kAuditor, "");
    REQUIRE(made.ok());
    ids.insert(made->first.id);
    secrets.insert(SecretOf(made->second));
  }
  CHECK(ids.size() == 50);
  CHECK(secrets.size() == 50);
}

TEST_CASE("a token with any one character changed, cut short or extended does not authenticate",
          "[store][tokens]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  TokenTable tokens(*db);
  auto made = tokens.Create(Role::kLead, "bob");
  REQUIRE(made.ok());
  const std::string token = made->second;
  REQUIRE(AuthRole(tokens, token) == Role::kLead);
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == '0' ? '1' : '0';
    INFO("changed position " << i);
    CHECK_FALSE(AuthRole(tokens, altered).has_value());
  }
  std::string upper = token;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad :
       {token.substr(0, token.size() - 1), token + "0", token + "\n", " " + token, upper,
        SecretOf(token), std::string(), std::string("fdt_"), made->first.id}) {
    INFO(bad);
    CHECK_FALSE(AuthRole(tokens, bad).has_value());
  }
}

TEST_CASE("a revoked token does not authenticate, and others still do", "[store][tokens]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  TokenTable tokens(*db);
  auto a = tokens.Create(Role::kLead, "a");
  auto b = tokens.Create(Role::kResponder, "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(tokens.Revoke(a->first.id).ok());
  CHECK_FALSE(AuthRole(tokens, a->second).has_value());
  CHECK(AuthRole(tokens, b->second) == Role::kResponder);

  auto listed = tokens.Get(a->first.id);
  REQUIRE(listed.ok());
  REQUIRE(listed->has_value());
  REQUIRE((*listed)->revoked.has_value());
  SysTime first = *(*listed)->revoked;
  CHECK(first >= a->first.created);

  SECTION("revoking again succeeds and keeps the first revocation time") {
    REQUIRE(tokens.Revoke(a->first.id).ok());
    auto again = tokens.Get(a->first.id);
    REQUIRE(again.ok());
    CHECK((*again)->revoked == first);
  }
  SECTION("revoking an unknown id fails and names it") {
    Status st = tokens.Revoke("00000000");
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.error().message, Catch::Contains("\"00000000\""));
  }
}

TEST_CASE("List returns every token, revoked ones too, and never a secret", "[store][tokens]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  TokenTable tokens(*db);
  auto a = tokens.Create(Role::kLead, "lead-alice");
  auto b = tokens.Create(Role::kAuditor, "auditor-carol");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(tokens.Revoke(b->first.id).ok());
  auto list = tokens.List();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  std::set<std::string> ids;
  for (const TokenRecord& t : *list) {
    ids.insert(t.id);
    for (const std::string& token : {a->second, b->second}) {
      CHECK(t.id.find(SecretOf(token)) == std::string::npos);
      CHECK(t.name.find(SecretOf(token)) == std::string::npos);
    }
    CHECK(t.revoked.has_value() == (t.id == b->first.id));
  }
  CHECK(ids == std::set<std::string>{a->first.id, b->first.id});
}

TEST_CASE("the database holds only a SHA-256 of each token, never its text", "[store][tokens]") {
  TempDir tmp;
  std::vector<std::string> made;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    TokenTable tokens(*db);
    for (Role role : kAllRoles) {
      auto t = tokens.Create(role, "holder-of-a-token");
      REQUIRE(t.ok());
      made.push_back(t->second);
      // The stored hash is SHA-256 of the whole token text.
      auto stmt = Statement::Prepare(*db, "SELECT hash FROM tokens WHERE id = ?1");
      REQUIRE(stmt.ok());
      REQUIRE(stmt->Bind(1, t->first.id).ok());
      REQUIRE(*stmt->Step());
      auto sha = Sha256::Create();
      REQUIRE(sha.ok());
      Hash256 want;
      REQUIRE(sha->Hash(
          std::span(reinterpret_cast<const unsigned char*>(t->second.data()), t->second.size()),
          &want));
      auto blob = stmt->ColumnBlob(0);
      CHECK(std::vector<unsigned char>(blob.begin(), blob.end()) ==
            std::vector<unsigned char>(want.begin(), want.end()));
    }
  }
  // Every file SQLite wrote (the database and, if any are left, its WAL and shared memory).
  // The names are stored as text, so finding them shows the scan reads where the rows live.
  bool names_found = false;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    if (!e.is_regular_file()) continue;
    std::string bytes = ReadFile(e.path());
    if (bytes.find("holder-of-a-token") != std::string::npos) names_found = true;
    for (const std::string& token : made) {
      INFO(e.path().string());
      CHECK(bytes.find(SecretOf(token)) == std::string::npos);
      CHECK(bytes.find(SecretOf(token).substr(0, 16)) == std::string::npos);
    }
  }
  CHECK(names_found);
}

TEST_CASE("tokens authenticate through a read-only connection", "[store][tokens]") {
  TempDir tmp;
  std::string token;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    auto made = TokenTable(*db).Create(Role::kResponder, "");
    REQUIRE(made.ok());
    token = made->second;
  }
  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE(db.ok());
  TokenTable tokens(*db);
  CHECK(AuthRole(tokens, token) == Role::kResponder);
  SECTION("but a read-only connection cannot make or revoke one") {
    CHECK_FALSE(tokens.Create(Role::kLead, "x").ok());
    CHECK_FALSE(tokens.Revoke(token.substr(4, 8)).ok());
    CHECK(AuthRole(tokens, token) == Role::kResponder);
  }
}

TEST_CASE("names that are too long or hold control characters are refused", "[store][tokens]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  TokenTable tokens(*db);
  CHECK(tokens.Create(Role::kAuditor, std::string(TokenTable::kMaxNameBytes, 'x')).ok());
  CHECK(tokens.Create(Role::kAuditor, "Ærø bot ✓").ok());
  for (const std::string& bad :
       {std::string(TokenTable::kMaxNameBytes + 1, 'x'), std::string("two\nlines"),
        std::string("tab\there"), std::string("esc\x1b[31m"), std::string("nul\0x", 5)}) {
    INFO(bad);
    CHECK_FALSE(TokenTable::CheckName(bad).ok());
    CHECK_FALSE(tokens.Create(Role::kAuditor, bad).ok());
  }
  auto list = tokens.List();
  REQUIRE(list.ok());
  CHECK(list->size() == 2);
}

}  // namespace
}  // namespace firedrill
