"""Charts drawn on the server as inline SVG: geometry here, markup in templates.

No JavaScript and nothing fetched: a chart is an ``<svg role="img">`` with a
``<title>`` and a ``<desc>`` that says what it shows in words, and every chart is
shown next to a table of the numbers behind it. Series are told apart by shape
and dash as well as colour.
"""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 24, 48


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    @property
    def svg(self) -> dict[str, str]:
        """Coordinates as SVG attribute text."""
        return {
            "x": _n(self.x),
            "y": _n(self.y),
            "width": _n(self.width),
            "height": _n(self.height),
            "centre": _n(self.centre),
            "value_y": _n(self.y - 5),
        }


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

    @property
    def markers(self) -> list[dict[str, str]]:
        """Centres for circles, and top-left corners for squares, as SVG text."""
        return [
            {"x": _n(x), "y": _n(y), "left": _n(x - 4.5), "top": _n(y - 4.5)}
            for x, y in self.points
        ]


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
    def label_positions(self) -> list[tuple[str, str]]:
        xs = _xs(len(self.labels), self.width)
        return [(label, _n(x)) for label, x in zip(self.labels, xs, strict=True)]

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The data table: one row per label, one number per bar or series."""
        if self.bars:
            return [(b.label, [b.value]) for b in self.bars]
        return [
            (label, [s.values[i] for s in self.series])
            for i, label in enumerate(self.labels)
        ]


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
