"""The words people read follow the glossary (guidance page "Words we use").

Every template's visible text (template tags, URLs and attributes left out), every
guidance page, and the sentences the pages' Python writes (labels, messages, refusals)
are read for the words the glossary says not to use.
"""

import ast
import re
from pathlib import Path

import pytest

import mentorscheme
from tests.personas import login

ROOT = Path(mentorscheme.__file__).parent
TEMPLATES = sorted(
    p for p in (ROOT / "templates").rglob("*") if p.suffix in (".html", ".txt")
)
GUIDANCE = sorted((ROOT / "guidance" / "pages").glob("*.md"))
GLOSSARY = ROOT / "guidance" / "pages" / "90-words-we-use.md"
#: The Python that writes what people read on the site's pages: form labels and
#: hints, messages after an action, refusals, confirmation pages, home steps.
SPEAKING = sorted(
    p
    for pattern in (
        "*/views.py",
        "*/admin_views.py",
        "*/forms.py",
        "*/services.py",
        "homes/*.py",
        "audit/models.py",  # the audit log's names for what was done
    )
    for p in ROOT.glob(pattern)
)

#: Words the glossary rules out, as a reader would meet them (case-insensitive).
NOT_SAID = [
    r"\bmentees?\b",
    r"\btoward\b",
    r"\bdelisted\b",
    r"\bhelp flags?\b",
    r"\btriage\b",
    r"\bbulk match",
    # The team members read of is the registration team, not "staff".
    r"\bscheme['’]s staff\b",
    # "officer" on its own: say which (Mentor Support, Candidate Support or support).
    r"(?<!support )\bofficers?\b",
]
#: Title Case where the site writes sentence case (case-sensitive).
NOT_CAPITALISED = [r"\bSign In\b", r"\bSign Up\b", r"\bRemember Me\b"]


def visible_text(path: Path) -> str:
    """What a template shows, and what a screen reader reads out of its
    attributes (aria-label, alt, title)."""
    text = path.read_text()
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}|<!--.*?-->", " ", text, flags=re.S)
    spoken = re.findall(r'\s(?:aria-label|alt|title)="([^"]*)"', text)
    return re.sub(r'\s[\w:-]+="[^"]*"', " ", text) + "\n".join(spoken)


def sentences(path: Path) -> str:
    """The string literals of a module that contain a space (words, not names of
    URLs or fields), docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        )
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return "\n".join(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and " " in node.value
        and id(node) not in docstrings
    )


def offending(text: str) -> list[str]:
    found = []
    for pattern in NOT_SAID:
        found += [m.group(0) for m in re.finditer(pattern, text, flags=re.I)]
    for pattern in NOT_CAPITALISED:
        found += [m.group(0) for m in re.finditer(pattern, text)]
    return found


def test_the_guard_finds_what_the_glossary_rules_out():
    assert offending("Your mentee is working toward Chartership") == [
        "mentee",
        "toward",
    ]
    assert offending("<a>Sign In</a>, or sign in later") == ["Sign In"]
    assert offending("working towards Chartership; sign in") == []
    assert offending("Your officer, your Mentor Support Officer") == ["officer"]
    assert offending("tell the scheme's staff") == ["scheme's staff"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_use_the_glossarys_words(path):
    assert offending(visible_text(path)) == []


@pytest.mark.parametrize(
    "path",
    [p for p in GUIDANCE if p != GLOSSARY],
    ids=lambda p: p.name,
)
def test_guidance_uses_the_glossarys_words(path):
    assert offending(path.read_text()) == []


@pytest.mark.parametrize("path", SPEAKING, ids=lambda p: str(p.relative_to(ROOT)))
def test_what_the_pages_python_writes_uses_the_glossarys_words(path):
    assert offending(sentences(path)) == []


@pytest.mark.parametrize(
    "role, path",
    [
        ("officer", "/training/manage/new/"),
        ("staff", "/training/briefings/new/"),
        ("staff", "/oversight/scheme/regions/merge/"),
        ("staff", "/oversight/scheme/appointments/"),
    ],
)
def test_a_list_to_choose_from_says_what_to_choose_not_dashes(
    client, world, role, path
):
    page = login(client, world.user(role)).get(path).text
    assert "<select" in page
    assert "---------" not in page
    assert re.search(r'<option value="" selected>Choose (a|the) ', page), page
