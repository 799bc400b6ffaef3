"""Bar charts as plain numbers for an inline SVG (the bar_chart macro of templates/reports/_macros.html);
no JavaScript."""
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
    """The top of the axis: the smallest 4 × step at or above `value`, the step a round number
    (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten, whole), so the four grid lines get round labels and the
    tallest bar fills most of the chart (24 → 24, 25 → 32, 250 → 320, 1,700 → 2,000)."""
    if value <= 4:
        return 4
    power = 1
    while True:
        for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            tick = step * power
            if tick == int(tick) and 4 * tick >= value:
                return int(4 * tick)
        power *= 10


def bars(values: list[int], labels: list[str]) -> Chart:
    top = _nice_max(max(values, default=0))
    left = max(LEFT, round(8 + 5.5 * len(f"{top:,}")))  # room for the widest tick label (9 px digits)
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    gap = min(4.0, slot * 0.2)
    result = []
    for i, (value, label) in enumerate(zip(values, labels)):
        h = plot_h * value / top if top else 0
        result.append(Bar(x=round(left + i * slot + gap / 2, 1), y=round(TOP + plot_h - h, 1),
                          width=round(slot - gap, 1), height=round(h, 1), label=label, value=value))
    ticks = [(round(TOP + plot_h - plot_h * k / 4, 1), int(top * k / 4)) for k in range(5)]
    return Chart(bars=result, ticks=ticks, left=left)


def progress_histogram(hist: list[int]) -> Chart:
    labels = [f"{i * 10}–{i * 10 + 9}" for i in range(10)] + ["100"]
    return bars(hist, labels)


def completions_chart(weeks) -> Chart:
    return bars([n for _d, n in weeks], [d.strftime("%d/%m") for d, _n in weeks])
