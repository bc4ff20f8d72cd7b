#!/usr/bin/python3
"""Writes the man pages and the bash completion of firedrill from its own --help text, so that
the three never drift: `firedrill --help` gives firedrill(1) and the command list, and each
`firedrill COMMAND --help` gives firedrill-COMMAND(1) (a two-word command such as `records show`
gives firedrill-records-show(1)) and that command's options for the completion.

Usage: help_pages.py FIREDRILL_BINARY MAN_DIR COMPLETION_FILE

MAN_DIR receives firedrill.1 and one firedrill-*.1 per command, uncompressed (the install step
compresses them). Exits non-zero, naming the command, if a --help cannot be run or read.
"""

import datetime
import os
import re
import subprocess
import sys

# The help is parsed as firedrill prints it: "Usage: firedrill WORDS [OPTIONS]" first, a blank
# line, the one-line summary, paragraphs, then sections "Options:", "Exit status: ..." and
# "Examples:" (see orchestrator/cli).
SECTION = re.compile(r"^(Options|Arguments|Exit status|Examples?):(?: (.*))?$")
OPTION = re.compile(r"^  (-{1,2}[A-Za-z0-9][-A-Za-z0-9]*)((?: [^ ]+)*?)(?:  +(.*))?$")
COMMAND_LINE = re.compile(r"^  ([a-z][-a-z]*(?: [a-z][-a-z]*)?)  +(.*)$")


def run_help(binary, words):
    proc = subprocess.run([binary, *words, "--help"], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60)
    if proc.returncode != 0:
        sys.exit(f"help_pages: `firedrill {' '.join(words)} --help` exited {proc.returncode}: "
                 f"{proc.stderr.strip()}")
    return proc.stdout


def commands_of(top_help):
    """The commands listed under "Commands:" in `firedrill --help`, with their summaries."""
    found = []
    in_list = False
    for line in top_help.splitlines():
        if line == "Commands:":
            in_list = True
            continue
        if in_list:
            if not line.strip():
                break
            m = COMMAND_LINE.match(line)
            if not m:
                # A long name leaves one space before its summary ("records checkpoint sign").
                words = line.split()
                if len(words) >= 3:
                    found.append((" ".join(words[:2]), " ".join(words[2:])))
                continue
            found.append((m.group(1), m.group(2)))
    if not found:
        sys.exit("help_pages: `firedrill --help` lists no commands under \"Commands:\"")
    return found


def roff(text):
    """Escapes text for a man page line: backslashes, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def parse(help_text):
    """Splits a command's --help into usage, summary, description paragraphs, options and the
    other sections (name, lines)."""
    lines = help_text.rstrip("\n").splitlines()
    usage = []
    i = 0
    while i < len(lines) and lines[i].strip():
        usage.append(lines[i].removeprefix("Usage: ").strip())
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    summary = lines[i].strip() if i < len(lines) else ""
    i += 1
    description, options, sections = [], [], []
    current = description
    paragraph = []

    def flush():
        if paragraph:
            current.append(list(paragraph))
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        i += 1
        section = SECTION.match(line)
        if section and not line.startswith(" "):
            flush()
            name = section.group(1)
            if name == "Options":
                current = options
            else:
                current = []
                sections.append((name, current))
                if section.group(2):
                    paragraph.append(section.group(2))
            continue
        if not line.strip():
            flush()
            continue
        if current is options:
            m = OPTION.match(line)
            if m and line.startswith("  -"):
                flush()
                paragraph.append((m.group(1), m.group(2).strip(), m.group(3) or ""))
            elif paragraph and isinstance(paragraph[-1], tuple):
                flag, arg, text = paragraph[-1]
                paragraph[-1] = (flag, arg, (text + " " + line.strip()).strip())
            else:
                paragraph.append(line)
            continue
        paragraph.append(line)
    flush()
    return usage, summary, description, options, sections


def man_page(title, words, help_text, date, version, see_also):
    usage, summary, description, options, sections = parse(help_text)
    out = [f'.TH {roff(title.upper())} 1 "{date}" "firedrill {version}" "firedrill manual"',
           ".SH NAME", f"{roff(title)} \\- {roff(summary)}", ".SH SYNOPSIS"]
    for u in usage:
        out += [".nf", roff(u), ".fi"]
    if description:
        out.append(".SH DESCRIPTION")
        for para in description:
            out.append(".PP")
            out += render_lines(para)
    flat = [entry for para in options for entry in para]
    if flat:
        out.append(".SH OPTIONS")
        for entry in flat:
            if isinstance(entry, tuple):
                flag, arg, text = entry
                out += [".TP", f"\\fB{roff(flag)}\\fR" + (f" \\fI{roff(arg)}\\fR" if arg else ""),
                        roff(text)]
            else:
                out += [".PP", roff(entry.strip())]
    for name, paras in sections:
        out.append(f".SH {roff(name.upper())}")
        for para in paras:
            out.append(".PP")
            out += render_lines(para)
    out += [".SH SEE ALSO", ", ".join(f"\\fB{roff(page)}\\fR(1)" for page in see_also)]
    return "\n".join(out) + "\n"


def top_page(top, commands, pages, date, version):
    """firedrill(1): the top-level help, each command pointing at its own page."""
    paragraphs = [p.splitlines() for p in top.strip("\n").split("\n\n")]
    intro = " ".join(paragraphs[0]).split(": ", 1)[-1]
    summary, _, rest = intro.partition(". ")
    out = [f'.TH FIREDRILL 1 "{date}" "firedrill {version}" "firedrill manual"', ".SH NAME",
           f"firedrill \\- {roff(summary)}", ".SH SYNOPSIS", ".nf",
           "\\fBfiredrill\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]", ".fi",
           ".SH DESCRIPTION", ".PP", roff(rest), ".SH COMMANDS"]
    for (command, what), page in zip(commands, pages):
        out += [".TP", f"\\fB{roff(command)}\\fR", f"{roff(what)} (see \\fB{roff(page)}\\fR(1))"]
    trailing = [p for p in paragraphs[1:]
                if p and not p[0].startswith(("Usage:", "Commands:"))]
    if trailing:
        out.append(".SH NOTES")
        for para in trailing:
            out += [".PP"] + render_lines(para)
    out += [".SH SEE ALSO", ", ".join(f"\\fB{roff(page)}\\fR(1)" for page in pages)]
    return "\n".join(out) + "\n"


def render_lines(para):
    """A paragraph: indented lines (examples, lists) keep their layout, others are filled."""
    if any(line.startswith("  ") for line in para):
        return [".nf"] + [roff(line) for line in para] + [".fi"]
    return [roff(line.strip()) for line in para]


def completion(commands, options_of, takes_id, choices_of):
    """A bash completion function: the command (one or two words), then its options, its fixed
    first words (ack detected|recovered), and drill ids from `firedrill records list --json`
    where the command takes an ID or after --drill."""
    firsts = sorted({c.split()[0] for c in commands})
    seconds = {}
    for c in commands:
        parts = c.split()
        if len(parts) == 2:
            seconds.setdefault(parts[0], []).append(parts[1])
    cases = []
    for c in sorted(commands):
        key = c.replace(" ", "_")
        ids = "yes" if takes_id[c] else ""
        cases.append(f"    {key}) opts=\"{' '.join(options_of[c])}\"; ids={ids}; "
                     f"choices=\"{' '.join(choices_of[c])}\" ;;")
    groups = "\n".join(f"    {first}) words_of_group=\"{' '.join(sorted(rest))}\" ;;"
                       for first, rest in sorted(seconds.items()))
    return f"""# bash completion for firedrill, generated from its --help by scripts/help_pages.py.
# Completes the command, then its options, and drill ids (from the records) where a command
# takes one.

_firedrill() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}}
  local cmd=${{COMP_WORDS[1]}}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "{' '.join(firsts)} --help" -- "$cur"))
    return
  fi
  local words_of_group=""
  case $cmd in
{groups}
  esac
  if [ -n "$words_of_group" ]; then
    if [ "$COMP_CWORD" -eq 2 ]; then
      COMPREPLY=($(compgen -W "$words_of_group" -- "$cur"))
      return
    fi
    cmd=${{cmd}}_${{COMP_WORDS[2]}}
  fi
  local opts="" ids="" choices=""
  case $cmd in
{chr(10).join(cases)}
  esac
  local prev=${{COMP_WORDS[COMP_CWORD-1]}}
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
  elif [ -n "$choices" ] && [[ $prev != -* ]]; then
    COMPREPLY=($(compgen -W "$choices" -- "$cur"))
  elif [ "$prev" = --drill ] || {{ [ -n "$ids" ] && [[ $prev != -* ]]; }}; then
    local known
    known=$(firedrill records list --json 2>/dev/null | grep -o '"id":"[^"]*"' | cut -d'"' -f4)
    COMPREPLY=($(compgen -W "$known" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -F _firedrill firedrill
"""


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, man_dir, completion_file = sys.argv[1:]
    top = run_help(binary, [])
    version = re.match(r"firedrill (\S+):", top)
    version = version.group(1) if version else "unknown"
    # SOURCE_DATE_EPOCH keeps the page dates reproducible, as Debian's builds expect.
    stamp = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    date = (datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc) if stamp
            else datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")
    commands = commands_of(top)
    os.makedirs(man_dir, exist_ok=True)
    pages = ["firedrill-" + c.replace(" ", "-") for c, _ in commands]
    options_of, takes_id, choices_of = {}, {}, {}
    for (command, _), page in zip(commands, pages):
        help_text = run_help(binary, command.split())
        usage, _, _, options, _ = parse(help_text)
        usage = " ".join(usage)
        listed = {entry[0] for para in options for entry in para if isinstance(entry, tuple)}
        options_of[command] = sorted(set(re.findall(r"--[a-z][-a-z]*", usage)) | listed)
        # A positional drill ID (not the argument of an option such as --drill ID; a token's id is not a
        # drill's).
        tokens = usage.split()
        takes_id[command] = not command.startswith("token") and any(
            t.strip("[]") == "ID" and not (tokens[i - 1].lstrip("[").startswith("-") and
                                           not tokens[i - 1].endswith("]"))
            for i, t in enumerate(tokens) if i > 0)
        choices = re.search(r"^firedrill [a-z ]+? ([a-z]+(?:\|[a-z]+)+) ", usage + " ")
        choices_of[command] = choices.group(1).split("|") if choices else []
        with open(os.path.join(man_dir, page + ".1"), "w") as f:
            f.write(man_page(page, command.split(), help_text, date, version, ["firedrill"]))
    with open(os.path.join(man_dir, "firedrill.1"), "w") as f:
        f.write(top_page(top, commands, pages, date, version))
    with open(completion_file, "w") as f:
        f.write(completion([c for c, _ in commands], options_of, takes_id, choices_of))


if __name__ == "__main__":
    main()
