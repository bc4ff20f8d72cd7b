// The audit report as documents for people and spreadsheets: Markdown (runs, per service and
// quarter, services not drilled, definitions) and CSV, one table at a time; and the definitions
// of the report's terms, which the JSON rendering (audit_json.h) carries too. Pure.
#pragma once

#include <span>
#include <string>

#include "orchestrator/report/audit.h"

namespace firedrill {

/// Returns the report's terms and what they mean, {term, definition}, in the order the Markdown
/// and JSON renderings list them. Static storage.
std::span<const char* const[2]> AuditDefinitions();

/// Renders the report as Markdown: runs, per service and quarter, services not drilled, and the
/// definitions.
std::string AuditMarkdown(const AuditReport& report);

/// Renders one table as CSV (RFC 4180, header row first): `table` is "runs", "services" or
/// "not-drilled".
std::string AuditCsv(const AuditReport& report, const std::string& table);

}  // namespace firedrill
