"""Imports stand at the top of a module, where the import layers check and a reader
see them; the few that must wait inside a function (until the app registry is
ready, or to break a loop within an app) say why."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mentorscheme"
KEPT_INSIDE = re.compile(r"#\s*noqa:[\w ,]*PLC0415(.*)")


def reason_for(lines: list[str], number: int) -> str:
    """The reason written after the noqa, else the comment just above the group
    of imports the line belongs to."""
    after = KEPT_INSIDE.search(lines[number]).group(1).strip(" -—()")
    if after:
        return after
    above = number - 1
    while above >= 0 and KEPT_INSIDE.search(lines[above]):
        above -= 1
    line = lines[above].strip() if above >= 0 else ""
    return line.removeprefix("#").strip() if line.startswith("#") else ""


def test_every_import_kept_inside_a_function_says_why():
    silent = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if KEPT_INSIDE.search(line) and not reason_for(lines, number):
                silent.append(f"{path.relative_to(PACKAGE.parent)}:{number + 1}")
    assert not silent, f"Say why these imports are inside a function: {silent}"
