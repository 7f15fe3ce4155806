"""What a person does in the browser: sign in, look at a page with axe, use the keyboard."""

import time
import weakref
from functools import cache
from importlib.resources import files

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests import factories as f

# axe-core's rules for WCAG 2.0, 2.1 and 2.2 A and AA, and Deque's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


def sign_in(page, email: str, *, totp_secret: str | None = None) -> None:
    """Sign in through the real pages, with a one-time code when the role needs one."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        give_code(page, totp_secret)
    page.get_by_role("button", name="Sign out").wait_for()


def give_code(page, secret: str) -> None:
    """Type the code of the current 30-second window and send it. Should the window
    close before the site checks it, the site refuses it and the new window's code is
    sent instead: nothing waits for a window to begin."""
    for _ in range(2):
        step = time_step()
        page.get_by_label("Code").fill(code_at(secret, step))
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        if "/2fa/authenticate/" not in page.url or time_step() == step:
            return  # accepted; or refused in its own window, which the caller sees


def in_menu(page, name: str):
    """A link in the site's main navigation (the same words may also be on the page)."""
    return page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=name, exact=True
    )


def expect_message(page, text: str) -> None:
    """The message the site shows after an action (the role=status box)."""
    from playwright.sync_api import expect

    expect(page.locator(".messages")).to_contain_text(text)


def time_step() -> int:
    """The current 30-second window of TOTP codes."""
    return int(time.time()) // 30


def code_at(secret: str, step: int) -> str:
    return format_hotp_value(hotp_value(secret, step))


@cache
def axe_source() -> str:
    return files("axe_playwright_python").joinpath("axe.min.js").read_text()


def axe_version() -> str:
    return axe_source().split("\n", 1)[0].removeprefix("/*! axe ").strip()


#: Browser contexts whose new documents get axe-core as they load.
_contexts_with_axe = weakref.WeakSet()


def load_axe(page) -> None:
    """axe-core into the page, and into every document the page's browser context
    loads from now on.

    Both go through the DevTools protocol, so the site's CSP does not block them. A
    script given to each new document is compiled once per renderer and kept compiled
    there, so auditing the next page does not begin by compiling axe-core's half a
    megabyte again (a third of the browser's work for an audited page).
    """
    if page.context not in _contexts_with_axe:
        page.context.add_init_script(axe_source())
        _contexts_with_axe.add(page.context)
    page.evaluate(axe_source())


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each, once
    the page on screen has loaded (a page shown after a click can be in the browser
    before its stylesheet is applied: the layout axe would see is not the one people
    see)."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        load_axe(page)
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        AXE_TAGS,
    )
    problems = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"][:5]:
            problems.append(
                f"{page.url} [{violation['impact']}] {violation['id']}: "
                f"{violation['help']} — {' '.join(node['target'])}: "
                f"{node['failureSummary'].splitlines()[-1].strip()}"
            )
    return problems


FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const name = (el.getAttribute("aria-label") || el.innerText || el.value
                  || el.getAttribute("name") || "").trim().replace(/\\s+/g, " ");
    return {
        tag: el.tagName.toLowerCase(),
        name: name.slice(0, 60),
        id: el.id,
        focusVisible: el.matches(":focus-visible"),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        shadow: style.boxShadow !== "none",
        onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
                  && box.top < window.innerHeight && box.left < window.innerWidth,
        order: [...document.querySelectorAll("*")].indexOf(el),
    };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab_to(page, predicate, *, limit: int = 60, key: str = "Tab") -> list[dict]:
    """Press Tab (or Shift+Tab) until ``predicate(focused element)``; every stop on the
    way must show a visible focus indicator and be on screen. Returns the stops.
    Starts once the page has loaded: its stylesheet draws the focus indicator."""
    page.wait_for_load_state("load")
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        assert element is not None, f"focus was lost after {stops[-3:]}"
        assert element["focusVisible"] and (element["outline"] or element["shadow"]), (
            f"no visible focus on {element}"
        )
        assert element["onScreen"], f"focus went off screen: {element}"
        stops.append(element)
        if predicate(element):
            return stops
    raise AssertionError(f"never reached the control; stops were {stops}")


LAYOUT = """() => {
    const problems = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) {
        problems.push(`the page is ${document.documentElement.scrollWidth} px wide`
                      + ` on a ${width} px screen`);
    }
    const words = el => (el.innerText || el.value || "").trim().replace(/\\s+/g, " ")
                        .slice(0, 50);
    // A box to tick sits on the same line as its words.
    for (const box of document.querySelectorAll(
            "main input[type=checkbox], main input[type=radio]")) {
        const label = box.labels && box.labels[0];
        if (!label || !box.offsetParent) continue;
        const b = box.getBoundingClientRect(), l = label.getBoundingClientRect();
        if (l.top >= b.bottom || l.bottom <= b.top) {
            problems.push(`the box for "${words(label)}" is not beside its words`);
        }
    }
    // A word set apart in a label (a tag such as "Verified") is not split.
    for (const tag of document.querySelectorAll("main label strong")) {
        const style = getComputedStyle(tag);
        const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
        if (tag.getClientRects().length > 1
                || tag.getBoundingClientRect().height > line * 1.5) {
            problems.push(`the words "${words(tag)}" in a label break over lines`);
        }
    }
    // A link beside a button is not broken over two lines.
    for (const link of document.querySelectorAll("main button + a, main .button + a")) {
        if (link.getClientRects().length > 1) {
            problems.push(`the link "${words(link)}" beside a button breaks over lines`);
        }
    }
    // Buttons beside or above one another do not touch.
    const buttons = [...document.querySelectorAll("main button, main .button")]
        .filter(b => b.offsetParent)
        .map(b => [words(b), b.getBoundingClientRect()]);
    buttons.forEach(([a, r], i) => buttons.slice(i + 1).forEach(([b, s]) => {
        const apart = Math.max(s.left - r.right, r.left - s.right,
                               s.top - r.bottom, r.top - s.bottom);
        if (apart < 4) problems.push(`the buttons "${a}" and "${b}" touch`);
    }));
    // A button in a table keeps its words on one line.
    for (const b of document.querySelectorAll("main td button")) {
        if (!b.offsetParent) continue;
        const style = getComputedStyle(b);
        const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
        const inner = b.clientHeight - parseFloat(style.paddingTop)
                      - parseFloat(style.paddingBottom);
        if (inner > line * 1.5) {
            problems.push(`the button "${words(b)}" in a table breaks over lines`);
        }
    }
    // The words of a chart do not run into each other.
    for (const svg of document.querySelectorAll("main svg")) {
        const texts = [...svg.querySelectorAll("text")]
            .map(text => [text.textContent, text.getBoundingClientRect()]);
        texts.forEach(([a, r], i) => texts.slice(i + 1).forEach(([b, s]) => {
            if (r.left < s.right - 1 && s.left < r.right - 1
                    && r.top < s.bottom - 1 && s.top < r.bottom - 1) {
                problems.push(`the words "${a}" and "${b}" of a chart overlap`);
            }
        }));
    }
    // A chart is on the screen whole (not scrolled sideways, its biggest bars out
    // of sight), its words inside it, not cut off, and drawn at least 11 px high.
    for (const svg of document.querySelectorAll("main svg[role=img]")) {
        const box = svg.getBoundingClientRect();
        const name = (svg.querySelector("title") || {}).textContent || "a chart";
        if (box.left < -1 || box.right > width + 1) {
            problems.push(`the chart "${name}" runs off the screen`);
        }
        const scale = svg.viewBox.baseVal && svg.viewBox.baseVal.width
            ? box.width / svg.viewBox.baseVal.width : 1;
        for (const text of svg.querySelectorAll("text")) {
            const r = text.getBoundingClientRect();
            if (r.left < box.left - 1 || r.right > box.right + 1
                    || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
                problems.push(`the words "${text.textContent}" of a chart are cut off`);
            }
            const size = parseFloat(getComputedStyle(text).fontSize) * scale;
            if (size < 11) {
                problems.push(`the words "${text.textContent}" of a chart are`
                              + ` ${size.toFixed(1)} px high`);
            }
        }
    }
    return problems;
}"""


def layout_problems(page) -> list[str]:
    """What is out of place on the page as shown: wider than the screen, a box to
    tick away from its words, a tag in a label split, a link beside a button broken
    over two lines, buttons
    touching, a button in a table broken over two lines, words
    of a chart on top of each other, cut off or too small to read, a chart off the
    edge of the screen."""
    page.wait_for_load_state("load")
    return [f"{page.url}: {problem}" for problem in page.evaluate(LAYOUT)]
