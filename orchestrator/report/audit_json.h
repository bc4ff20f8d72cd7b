// The audit report as JSON ("firedrill-audit/1"), written straight into text. Pure.
#pragma once

#include <string>

#include "orchestrator/report/audit.h"

namespace firedrill {

/// Renders the report as indented JSON text.
std::string AuditJson(const AuditReport& report);

}  // namespace firedrill
