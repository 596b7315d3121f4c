"""Print the module map of docs/design.md: every module of sar_planner with its docstring's first line.

    python3 scripts/module_map.py > /tmp/map.md   # then paste it over the table in docs/design.md
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "sar_planner"


def main() -> None:
    print("| module | what it does |")
    print("|---|---|")
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent)
        if "migrations/versions" in rel.as_posix():
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first = doc.strip().split("\n")[0] if doc else ""
        print(f"| `{rel.as_posix()}` | {first.replace('|', '/')} |")


if __name__ == "__main__":
    main()
