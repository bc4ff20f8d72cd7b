// What the terminal on stdout can show: whether there is one, and whether to colour.
#pragma once

namespace firedrill {

/// True iff stdout is a terminal (a live display may redraw in place there).
bool StdoutIsTerminal();

/// True iff output on stdout may be coloured: it is a terminal, `TERM` is set and not "dumb",
/// and `NO_COLOR` is unset or empty (https://no-color.org).
bool ColourWanted();

}  // namespace firedrill
