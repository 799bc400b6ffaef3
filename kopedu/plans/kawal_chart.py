"""Plan vs actual as plain numbers for an inline SVG, in the monitoring charts' style (same size, grid
and classes as kopedu.reports.charts, which sits above this package): per month a pale bar for the plan
and a solid one for what was reported. No JavaScript."""
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 340, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 6, 12, 28


@dataclass
class PairBar:
    x: float
    width: float
    plan_y: float
    plan_h: float
    actual_y: float | None
    actual_h: float
    label: str
    plan: Decimal
    actual: Decimal | None


@dataclass
class PairChart:
    bars: list[PairBar]
    ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM


def short_rupiah(value: Decimal) -> str:
    """Axis labels: 1,5 jt, 250 rb, 0."""
    value = int(value)
    if value >= 1_000_000:
        text = f"{value / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{text} jt"
    if value >= 1000:
        return f"{value // 1000} rb"
    return str(value)


def _top(value: Decimal) -> Decimal:
    value = max(value, Decimal(1))
    power = Decimal(1)
    while True:
        for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            if 4 * Decimal(str(step)) * power >= value:
                return 4 * Decimal(str(step)) * power
        power *= 10


def plan_vs_actual(plan: list[Decimal], actual: list[Decimal | None], labels: list[str]) -> PairChart:
    top = _top(max([*plan, *[a for a in actual if a is not None]], default=Decimal(0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(plan), 1)
    width = slot * 0.4
    out = []
    for i, (p, a, label) in enumerate(zip(plan, actual, labels)):
        x = LEFT + i * slot + slot * 0.1
        ph = float(plot_h * max(p, Decimal(0)) / top)
        ah = float(plot_h * max(a, Decimal(0)) / top) if a is not None else 0.0
        out.append(PairBar(x=round(x, 1), width=round(width, 1), plan_y=round(TOP + plot_h - ph, 1), plan_h=round(ph, 1),
                           actual_y=round(TOP + plot_h - ah, 1) if a is not None else None, actual_h=round(ah, 1),
                           label=label, plan=p, actual=a))
    ticks = [(round(TOP + plot_h - plot_h * k / 4, 1), short_rupiah(top * k / 4)) for k in range(5)]
    return PairChart(bars=out, ticks=ticks)
