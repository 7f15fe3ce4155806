"""Write the en-GB catalogue that puts django-allauth's Title Case words in sentence case.

The site writes headings, buttons and labels in sentence case ("Sign in", "Remember
me"); allauth writes them in Title Case. Rather than copy each allauth template, its
own message ids are translated here. Run after upgrading allauth, then `msgfmt`:

    python tools/sentence_case_allauth.py
    msgfmt -o mentorscheme/locale/en_GB/LC_MESSAGES/django.mo \
        mentorscheme/locale/en_GB/LC_MESSAGES/django.po
"""

import re
from pathlib import Path

import allauth

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(allauth.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
TARGET = ROOT / "mentorscheme" / "locale" / "en_GB" / "LC_MESSAGES" / "django.po"

#: Words that keep their capitals inside a sentence.
KEEP = {"ID", "IP", "TOTP", "URL", "OpenID", "Google", "Microsoft", "I", "JavaScript"}
#: Whole messages said differently on this site.
OURS = {
    "Signup": "Sign up",
    "Sign Up": "Sign up",
    "Sign In": "Sign in",
    "Sign Out": "Sign out",
    "E-mail": "Email",
    "Remember Me": "Remember me",
    # Plain words for what the button does.
    "Please reauthenticate to safeguard your account.": (
        "To keep your account safe, confirm it is you."
    ),
    "Alternative options": "Other ways to confirm it is you",
    "Activate": "Set up",
    "Deactivate": "Turn off",
    "Generate": "Make new codes",
    "Activate Authenticator App": "Set up an authenticator app",
    "Deactivate Authenticator App": "Turn off the authenticator app",
}


def messages(text: str):
    """(msgctxt, msgid) of each single-line message in a .po file."""
    context = None
    for line in text.splitlines():
        if line.startswith("msgctxt "):
            context = line[len("msgctxt ") :]
        elif line.startswith("msgid ") and line != 'msgid ""':
            yield context, line[len("msgid ") :]
            context = None
        elif line.startswith("msgid "):
            context = None


def _lower(word: str, *, first: bool) -> str:
    if word in KEEP:
        return word
    parts = word.split("-")
    return "-".join(
        p if (first and i == 0) or not re.match(r"[A-Z][a-z]+$", p) else p.lower()
        for i, p in enumerate(parts)
    )


def sentence_case(msgid: str) -> str | None:
    value = msgid[1:-1]
    if value in OURS:
        return OURS[value]
    words = value.split(" ")
    if len(words) < 2 or "%" in value or "{" in value:
        return None
    out = []
    for i, word in enumerate(words):
        first = i == 0 or words[i - 1].endswith((".", "?", "!", ":"))
        out.append(_lower(word, first=first))
    return " ".join(out)


def main() -> None:
    seen, entries = set(), []
    for context, msgid in messages(SOURCE.read_text()):
        new = sentence_case(msgid)
        if new is None or new == msgid[1:-1] or (context, msgid) in seen:
            continue
        seen.add((context, msgid))
        head = f"msgctxt {context}\n" if context else ""
        entries.append(f'{head}msgid {msgid}\nmsgstr "{new}"\n')
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(
        "# Sentence case for django-allauth's messages; written by\n"
        "# tools/sentence_case_allauth.py (edit OURS there, not here).\n"
        'msgid ""\nmsgstr ""\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Language: en_GB\\n"\n\n' + "\n".join(entries)
    )
    print(f"{len(entries)} messages written to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
