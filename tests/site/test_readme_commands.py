"""The README's commands work as printed: on a checkout `make run` set up, Python
and its tools are the virtualenv's (`.venv/bin/...`). Only the Production section,
which installs into whatever environment the server runs, says plain `python`."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("python", "python3", "pytest", "pip", "ruff", "lint-imports", "gunicorn")


def commands_outside_production() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    before, _, after = readme.partition("\n## Production\n")
    after = after.split("\n## ", 1)[1] if "\n## " in after else ""
    text = before + "\n## " + after
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines()]
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    return [c.strip() for c in lines + spans]


def test_the_readme_runs_python_tools_from_the_virtualenv():
    bare = [
        command
        for command in commands_outside_production()
        if re.split(r"\s+", re.sub(r"^(\w+=\S*\s+)+", "", command))[0] in TOOLS
    ]
    assert not bare, f"Fails unless the virtualenv is active: {bare}"
