"""Charts drawn on the server as inline SVG: geometry, the ``<svg>`` and the table of
its numbers here, the figure around them in a template (``oversight/_chart.html``).

No JavaScript and nothing fetched: a chart is an ``<svg role="img">`` with a
``<title>`` and a ``<desc>`` that says what it shows in words, and every chart is
shown next to a table of the numbers behind it. Series are told apart by shape
and dash as well as colour.

The ``<svg>`` and the table are written here (``Chart.svg``, ``Chart.table``) rather
than in a template: a chart is a few hundred numbers, and the template language spends
more on them than on the rest of the dashboard.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: Narrow enough that on a 390 px phone, where a chart is drawn about 358 px wide,
#: its words are still about 12 px high: a chart fits the screen rather than
#: scrolling sideways, with its biggest bars out of sight.
WIDTH = 440
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 24, 48
INK = "#1b1b1f"
#: The colours of a bar, and of the first and second series of a line chart.
COLOURS = ("#2b2a6b", "#1f6f3d")


#: The labels' font size, and about how wide one of their characters is.
LABEL_SIZE = 14
CHARACTER_WIDTH = 7.7


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    #: The label as drawn: on two lines when the chart's labels are too wide for
    #: their bars' slots side by side ("181–365 / days").
    lines: tuple[str, ...] = ()

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    def marks(self, label_y: int) -> list[str]:
        """The bar, its value above it and its label below the axis."""
        centre = _n(self.centre)
        return [
            f'<rect x="{_n(self.x)}" y="{_n(self.y)}" width="{_n(self.width)}" '
            f'height="{_n(self.height)}" fill="{COLOURS[0]}"/>',
            f'<text x="{centre}" y="{_n(self.y - 5)}" text-anchor="middle" '
            f'font-size="16" font-weight="bold" fill="{INK}">{self.value}</text>',
            _label(centre, label_y, self.lines or (self.label,)),
        ]


def _label(x: str, y: int, lines: Sequence[str]) -> str:
    """A label under the axis, centred on ``x``, one line under another."""
    first, *rest = lines
    tspans = "".join(f'<tspan x="{x}" dy="16">{escape(line)}</tspan>' for line in rest)
    return (
        f'<text x="{x}" y="{y}" text-anchor="middle" font-size="{LABEL_SIZE}" '
        f'fill="{INK}">{escape(first)}{tspans}</text>'
    )


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]
    points: tuple[tuple[float, float], ...]
    marker: str  # "circle" or "square"
    dash: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in self.points)

    def marks(self, colour: str) -> list[str]:
        """The line and a marker on each point."""
        return [
            f'<polyline points="{self.polyline}" fill="none" {self._stroke(colour)}/>',
            "".join(self._marker(colour, x, y) for x, y in self.points),
        ]

    def key(self, colour: str) -> str:
        """The series' entry in the chart's key: its line and marker, and its name.
        The key is HTML beside the chart, so that on a phone it wraps rather than
        running off the chart's edge."""
        return (
            '<li><svg width="32" height="12" viewBox="0 0 32 12" aria-hidden="true" '
            'focusable="false">'
            f'<line x1="2" y1="6" x2="30" y2="6" {self._stroke(colour)}/>'
            f"{self._marker(colour, 16, 6)}</svg> {escape(self.name)}</li>"
        )

    def _stroke(self, colour: str) -> str:
        dash = f' stroke-dasharray="{self.dash}"' if self.dash else ""
        return f'stroke="{colour}" stroke-width="2.5"{dash}'

    def _marker(self, colour: str, x: float, y: float) -> str:
        if self.marker == "circle":
            return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{colour}"/>'
        return (
            f'<rect x="{_n(x - 4.5)}" y="{_n(y - 4.5)}" width="9" height="9" '
            f'fill="{colour}"/>'
        )


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    labels: tuple[str, ...]
    bars: tuple[Bar, ...] = ()
    series: tuple[Series, ...] = ()
    max_value: int = 0
    width: int = WIDTH
    height: int = HEIGHT
    value_label: str = ""

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def left(self) -> int:
        return LEFT

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def top(self) -> int:
        return TOP

    @property
    def tick_x(self) -> int:
        return LEFT - 6

    @property
    def max_y(self) -> int:
        return TOP + 4

    @property
    def label_y(self) -> int:
        return self.height - BOTTOM + 18

    @property
    def svg(self) -> SafeString:
        """The chart as an inline ``<svg>`` element, named by its title and
        described in words by its description."""
        marks = [
            f'<title id="{self.id}-title">{escape(self.title)}</title>',
            f'<desc id="{self.id}-desc">{escape(self.description)}</desc>',
            f'<line x1="{self.left}" y1="{self.baseline}" x2="{self.right}" '
            f'y2="{self.baseline}" stroke="{INK}" stroke-width="1.5"/>',
            f'<text x="{self.tick_x}" y="{self.max_y}" text-anchor="end" '
            f'font-size="15" fill="{INK}">{self.max_value}</text>',
            f'<text x="{self.tick_x}" y="{self.baseline}" text-anchor="end" '
            f'font-size="15" fill="{INK}">0</text>',
        ]
        for bar in self.bars:
            marks += bar.marks(self.label_y)
        if self.series:
            xs = _xs(len(self.labels), self.width)
            for i, (label, x) in enumerate(zip(self.labels, xs, strict=True)):
                marks.append(_label(_n(x), self.label_y, _month_lines(label, i)))
            for n, series in enumerate(self.series):
                marks += series.marks(COLOURS[n % 2])
        return mark_safe(  # noqa: S308 - every text in it is escaped above
            f'<svg role="img" aria-labelledby="{self.id}-title {self.id}-desc" '
            f'viewBox="0 0 {self.width} {self.height}" width="100%" '
            'xmlns="http://www.w3.org/2000/svg" focusable="false">\n    '
            + "\n    ".join(marks)
            + "\n  </svg>"
        )

    @property
    def key(self) -> SafeString:
        """What tells a line chart's series apart (a bar chart has none)."""
        if not self.series:
            return mark_safe("")  # noqa: S308 - empty
        items = "".join(
            series.key(COLOURS[n % 2]) for n, series in enumerate(self.series)
        )
        return mark_safe(f'<ul class="chart-key">{items}</ul>')  # noqa: S308 - escaped

    @property
    def table(self) -> SafeString:
        """The numbers behind the chart, as a table: a row for each bar, or for each
        month with a column for each series."""
        if self.bars:
            heads = ["Group", self.value_label]
        else:
            heads = ["Month", *(s.name for s in self.series)]
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in heads)
        body = "".join(
            f'<tr><th scope="row">{escape(label)}</th>'
            + "".join(f"<td>{v}</td>" for v in values)
            + "</tr>"
            for label, values in self.rows
        )
        return mark_safe(  # noqa: S308 - every text in it is escaped
            '<div class="table-wrap"><table>\n'
            f"  <caption>The numbers behind “{escape(self.title)}”</caption>\n"
            f"  <thead><tr>{head}</tr></thead>\n"
            f"  <tbody>{body}</tbody>\n"
            "</table></div>"
        )

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The data table: one row per label, one number per bar or series."""
        if self.bars:
            return [(b.label, [b.value]) for b in self.bars]
        return [
            (label, [s.values[i] for s in self.series])
            for i, label in enumerate(self.labels)
        ]


def _month_lines(label: str, index: int) -> tuple[str, ...]:
    """A month's label ("Dec 2025") as drawn under a line chart: the month, and its
    year under it where a year begins, and under the first month unless January is
    next (the two years would run into each other)."""
    month, _, year = label.partition(" ")
    if month == "Jan" or (index == 0 and month != "Dec"):
        return (month, year)
    return (month,)


def _n(value: float) -> str:
    return f"{value:.1f}"


def _scale(value: int, top: int, height: int) -> float:
    plot = height - TOP - BOTTOM
    return plot * value / top if top else 0.0


def _nice_top(values: Sequence[int]) -> int:
    return max(max(values, default=0), 1)


def _xs(count: int, width: int) -> list[float]:
    plot = width - LEFT - RIGHT
    step = plot / max(count, 1)
    return [LEFT + step * (i + 0.5) for i in range(count)]


def _summary(
    labels: Sequence[str], values: Sequence[int], unit: tuple[str, str] | None
) -> str:
    def amount(value: int) -> str:
        if unit is None:
            return str(value)
        return f"{value} {unit[0] if value == 1 else unit[1]}"

    return "; ".join(
        f"{label}: {amount(value)}" for label, value in zip(labels, values, strict=True)
    )


def bar_chart(
    *,
    id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    unit: tuple[str, str],
) -> Chart:
    """Bars for ``values``; ``unit`` names what is counted, singular and plural."""
    top = _nice_top(values)
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(values), 1)
    bar_width = slot * 0.6
    # Labels that would run into each other are drawn on two lines, all of them, so
    # that they line up.
    wrap = any(len(label) * CHARACTER_WIDTH > slot * 0.9 for label in labels)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = _scale(value, top, HEIGHT)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=LEFT + slot * i + (slot - bar_width) / 2,
                y=HEIGHT - BOTTOM - height,
                width=bar_width,
                height=height,
                lines=tuple(label.rsplit(" ", 1)) if wrap else (label,),
            )
        )
    return Chart(
        id=id,
        title=title,
        description=f"{title}. {_summary(labels, values, unit)}.",
        labels=tuple(labels),
        bars=tuple(bars),
        max_value=top,
        value_label=unit[1].capitalize(),
    )


MARKERS = (("circle", ""), ("square", "6 4"))


def line_chart(
    *,
    id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> Chart:
    top = _nice_top([v for _, values in series for v in values])
    xs = _xs(len(labels), WIDTH)
    drawn = []
    words = []
    for (name, values), (marker, dash) in zip(series, MARKERS, strict=False):
        points = tuple(
            (x, HEIGHT - BOTTOM - _scale(v, top, HEIGHT))
            for x, v in zip(xs, values, strict=True)
        )
        drawn.append(Series(name, tuple(values), points, marker, dash))
        words.append(f"{name}: {_summary(labels, values, None)}")
    return Chart(
        id=id,
        title=title,
        description=f"{title}. " + ". ".join(words) + ".",
        labels=tuple(labels),
        series=tuple(drawn),
        max_value=top,
    )
