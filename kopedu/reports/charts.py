"""Bar charts as plain numbers for an inline SVG (templates/reports/_charts.html); no JavaScript."""
from dataclasses import dataclass

WIDTH, HEIGHT = 340, 170
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 12, 28


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass
class Chart:
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) for the horizontal grid lines
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(b.value for b in self.bars)


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    for step in (1, 2, 2.5, 5):
        for power in range(0, 9):
            candidate = int(step * 10 ** power)
            if candidate >= value and candidate % 4 == 0:
                return candidate
    return value


def bars(values: list[int], labels: list[str]) -> Chart:
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    gap = min(4.0, slot * 0.2)
    result = []
    for i, (value, label) in enumerate(zip(values, labels)):
        h = plot_h * value / top if top else 0
        result.append(Bar(x=round(LEFT + i * slot + gap / 2, 1), y=round(TOP + plot_h - h, 1),
                          width=round(slot - gap, 1), height=round(h, 1), label=label, value=value))
    ticks = [(round(TOP + plot_h - plot_h * k / 4, 1), int(top * k / 4)) for k in range(5)]
    return Chart(bars=result, ticks=ticks)


def progress_histogram(hist: list[int]) -> Chart:
    labels = [f"{i * 10}–{i * 10 + 9}" for i in range(10)] + ["100"]
    return bars(hist, labels)


def completions_chart(weeks) -> Chart:
    return bars([n for _d, n in weeks], [d.strftime("%d/%m") for d, _n in weeks])
