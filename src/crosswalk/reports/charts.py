"""Inline SVG charts: no JavaScript, no CDN, printable."""

from __future__ import annotations

from html import escape

COLORS = {
    "covered": "#2e7d32",
    "likely": "#7cb342",
    "partial": "#f9a825",
    "planned": "#6d8fb3",
    "gap": "#c62828",
    "not applicable": "#9e9e9e",
}


def stacked_bars(
    rows: list[tuple[str, dict[str, int]]], width: int = 640, colors: dict[str, str] | None = None
) -> str:
    """One horizontal bar per row, split by category, with counts in the segments.

    ``colors`` names the categories and their colours (legend order); verdicts by default.
    """
    colors = colors or COLORS
    label_width, bar_height, gap = 150, 22, 10
    bar_width = width - label_width - 60
    height = len(rows) * (bar_height + gap) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Coverage by group">'
    ]
    for index, (label, counts) in enumerate(rows):
        y = index * (bar_height + gap)
        total = sum(counts.values()) or 1
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
        )
        x = float(label_width)
        for verdict, count in counts.items():
            if not count:
                continue
            w = bar_width * count / total
            color = colors.get(verdict, "#777")
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                f'fill="{color}"><title>{escape(verdict)}: {count}</title></rect>'
            )
            if w > 18:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 15}" text-anchor="middle" font-size="11" '
                    f'fill="#fff">{count}</text>'
                )
            x += w
        parts.append(
            f'<text x="{label_width + bar_width + 6}" y="{y + 15}" font-size="11">{total}</text>'
        )
    legend_y = len(rows) * (bar_height + gap) + 12
    x = label_width
    for verdict, color in colors.items():
        parts.append(f'<rect x="{x}" y="{legend_y}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14}" y="{legend_y + 9}" font-size="11">{verdict}</text>')
        x += 24 + 7 * len(verdict)
    parts.append("</svg>")
    return "".join(parts)


def verdict_donut(counts: dict[str, int], size: int = 180) -> str:
    """A ring of verdict shares with the covered percentage in the middle."""
    import math

    total = sum(counts.values()) or 1
    radius, stroke = size / 2 - 14, 22
    circumference = 2 * math.pi * radius
    center = size / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="Verdict shares">'
    ]
    offset = 0.0
    for verdict, count in counts.items():
        if not count:
            continue
        length = circumference * count / total
        parts.append(
            f'<circle cx="{center}" cy="{center}" r="{radius:.1f}" fill="none" '
            f'stroke="{COLORS.get(verdict, "#777")}" stroke-width="{stroke}" '
            f'stroke-dasharray="{length:.2f} {circumference - length:.2f}" '
            f'stroke-dashoffset="{-offset:.2f}" transform="rotate(-90 {center} {center})">'
            f"<title>{escape(verdict)}: {count}</title></circle>"
        )
        offset += length
    covered = 100 * counts.get("covered", 0) / total
    parts.append(
        f'<text x="{center}" y="{center - 2}" text-anchor="middle" font-size="22" '
        f'font-weight="bold">{covered:.0f}%</text>'
        f'<text x="{center}" y="{center + 16}" text-anchor="middle" font-size="11">covered</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
