"""The README's Layout section is the map a new maintainer reads first: it names
every app and folder that exists, and nothing that no longer does."""

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mentorscheme"
#: Folders of the checkout that are not the project's own (made by running it).
NOT_THE_PROJECT = {"var", "test-results"}


def layout_blocks() -> tuple[str, str]:
    """The Layout section's two code blocks: the layers, then the tree."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    layers, tree = re.findall(r"```\n(.*?)```", section, re.DOTALL)[:2]
    return layers, tree


def tree_entries() -> dict[Path, str]:
    """Each path the tree names (a file, or a folder ending in /), with what its
    description names in turn: ``  audit/  the log ...`` lies in the folder named
    last at the left margin, and lines indented to the descriptions carry on."""
    _, tree = layout_blocks()
    entries: dict[Path, str] = {}
    parent, current = ROOT, None
    for line in tree.splitlines():
        named = re.match(r"( {0,2})(\S+)(?:\s{2,}|$)", line)
        if named is None:
            entries[current] += " " + line.strip()
            continue
        indent, name = named.groups()
        current = (ROOT if not indent else parent) / name.rstrip("/")
        if not indent:
            parent = current
        entries[current] = line[named.end() :]
    return entries


def apps() -> set[str]:
    return {p.parent.name for p in PACKAGE.glob("*/__init__.py")}


def test_every_path_the_layout_names_exists():
    missing = [
        str(path.relative_to(ROOT)) for path in tree_entries() if not path.exists()
    ]
    assert not missing, f"The README's Layout names what is not there: {missing}"


def test_every_file_a_description_names_is_in_its_folder():
    missing = []
    for path, description in tree_entries().items():
        for name in re.findall(r"\b[\w.]+\.py\b|\b\w+/", description):
            if path.is_dir() and not (path / name.rstrip("/")).exists():
                missing.append(f"{path.relative_to(ROOT)}/{name}")
    assert not missing, f"The README's Layout describes what is not there: {missing}"


def test_every_app_and_top_level_folder_is_in_the_layout():
    named = set(tree_entries())
    unnamed = sorted(
        f"mentorscheme/{app}/" for app in apps() if PACKAGE / app not in named
    )
    unnamed += sorted(
        f"{folder.name}/"
        for folder in ROOT.iterdir()
        if folder.is_dir()
        and not folder.name.startswith(".")
        and folder.name not in NOT_THE_PROJECT
        and any(folder.rglob("*.py"))
        and folder not in named
    )
    assert not unnamed, f"The README's Layout leaves out: {unnamed}"


def test_every_app_has_its_place_in_the_layers_and_in_the_checked_contract():
    layers, _ = layout_blocks()
    drawn = set(re.findall(r"\b[a-z]+\b", layers)) & apps()
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    checked = set(
        re.findall(
            r"mentorscheme\.(\w+)", config["importlinter:contract:layers"]["layers"]
        )
    )
    assert apps() - drawn == set(), "apps missing from the README's layers"
    assert apps() - checked == set(), "apps missing from .importlinter's layers"
