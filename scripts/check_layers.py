#!/usr/bin/env python3
"""Checks that each folder's sources include only what its library declares it depends on.

    check_layers.py ROOT FOLDER=DEP[,DEP...] ...

FOLDER and each DEP are folders relative to ROOT ("orchestrator/engine", "drills"); the
folder "orchestrator" stands for the loose headers beside the orchestrator's subfolders
(exit_status.h). CMake passes, for every library, the folders it links (firedrill_layer in
orchestrator/CMakeLists.txt), so the build's link lines and this check say the same thing.
Every orchestrator subfolder holding sources must be declared. Prints each include that
crosses into an undeclared folder as FILE:LINE and exits 1 if there is one.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    declared = {}
    for spec in argv[2:]:
        folder, _, deps = spec.partition("=")
        declared[folder] = {d for d in deps.split(",") if d}
    problems = []
    orchestrator = os.path.join(root, "orchestrator")
    for name in sorted(os.listdir(orchestrator)):
        sub = os.path.join(orchestrator, name)
        if os.path.isdir(sub) and any(f.endswith(".cpp") for f in os.listdir(sub)):
            if "orchestrator/" + name not in declared:
                problems.append(f"orchestrator/{name}: a folder of sources that no library declares")
    checked = 0
    for folder, deps in sorted(declared.items()):
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            problems.append(f"{folder}: declared, but there is no such folder")
            continue
        for dep in deps:
            if not os.path.isdir(os.path.join(root, dep)):
                problems.append(f"{folder}: depends on {dep}, which is no folder")
        for name in sorted(os.listdir(path)):
            if not name.endswith((".h", ".cpp")):
                continue
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m or "/" not in m.group(1):
                        continue
                    checked += 1
                    target = os.path.dirname(m.group(1))
                    if target != folder and target not in deps:
                        allowed = ", ".join(sorted(deps)) or "nothing"
                        problems.append(
                            f"{folder}/{name}:{number}: includes {m.group(1)}, but {folder} "
                            f"may depend only on {allowed}")
    for p in problems:
        print(p)
    print(f"{len(declared)} folders, {checked} includes checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
