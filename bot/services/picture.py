"""The team report's picture: coverage by member and topic, and participation per day.

The data is plain (``TeamPicture``); ``draw`` turns it into a PNG with Pillow, which is
imported only when a picture is drawn. Pillow's built-in font (``load_default(size)``) is
used, so the picture looks the same on every machine and needs no font files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

#: light (no coverage) to dark (full coverage): a yellow-green-blue ramp that stays
#: readable for the common colour-vision deficiencies
RAMP = ((255, 247, 188), (161, 218, 180), (65, 182, 196), (34, 94, 168), (12, 44, 132))
EMPTY = (236, 236, 236)
INK, MUTED, GRID, BAR = (33, 37, 41), (110, 117, 125), (222, 226, 230), (65, 182, 196)
CELL_W, CELL_H, PAD = 64, 30, 24
MAX_TOPICS = 14        # the weakest and strongest are kept when there are more
MAX_MEMBERS = 40


@dataclass(frozen=True, slots=True)
class TeamPicture:
    title: str
    members: tuple[str, ...]                       # rows, in the report's order
    topics: tuple[str, ...]                        # columns, strongest first
    #: coverage (0..1) of each member (row) in each topic (column); None: nothing graded
    cells: tuple[tuple[float | None, ...], ...]
    answered: tuple[int, ...]                      # rounds each member answered on time
    rounds: int
    #: (day, members who answered a round that day), oldest first; with ``per`` "week",
    #: the day is the week's Monday
    days: tuple[tuple[date, int], ...]
    per: str = "day"


def colour(value: float) -> tuple[int, int, int]:
    """The ramp colour for a coverage between 0 and 1."""
    x = min(1.0, max(0.0, value)) * (len(RAMP) - 1)
    i = min(int(x), len(RAMP) - 2)
    f = x - i
    a, b = RAMP[i], RAMP[i + 1]
    return (round(a[0] + (b[0] - a[0]) * f), round(a[1] + (b[1] - a[1]) * f),
            round(a[2] + (b[2] - a[2]) * f))


def _ink_on(bg: tuple[int, int, int]) -> tuple[int, int, int]:
    luminance = 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2]
    return INK if luminance > 140 else (255, 255, 255)


def _shorten(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def draw(p: TeamPicture) -> bytes:
    """The picture as PNG bytes."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=14)
    small = ImageFont.load_default(size=12)
    big = ImageFont.load_default(size=20)
    members = [_shorten(m, 24) for m in p.members[:MAX_MEMBERS]]
    columns = list(range(len(p.topics)))
    if len(columns) > MAX_TOPICS:
        half = MAX_TOPICS // 2
        columns = columns[:half] + columns[-half:]
    labels = [_shorten(p.topics[c], 22) for c in columns]
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))

    def width(text: str, f: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> int:
        return int(probe.textlength(text, font=f))

    name_w = max([width(m, font) for m in members] + [80]) + 12
    head_h = max([width(t, small) for t in labels] + [40]) + 12
    grid_w = len(columns) * CELL_W if columns else 140
    side_w = 150                                        # rounds answered, as bars
    chart_h = 150
    heat_w = name_w + grid_w + 24 + side_w
    width_px = max(PAD * 2 + heat_w, 640)
    top = PAD + 56
    grid_top = top + head_h
    grid_h = max(1, len(members)) * CELL_H
    legend_top = grid_top + grid_h + 14
    chart_top = legend_top + 56
    height_px = chart_top + 22 + chart_h + 40 + PAD

    img = Image.new("RGB", (width_px, height_px), "white")
    d = ImageDraw.Draw(img)
    d.text((PAD, PAD), _shorten(p.title, 70), font=big, fill=INK)
    d.text((PAD, PAD + 28), "Coverage by member and topic (average grade of on-time "
           "answers)", font=small, fill=MUTED)

    x0 = PAD + name_w
    for j, label in enumerate(labels):   # column heads, written upwards
        w = width(label, small)
        tile = Image.new("RGB", (w + 4, 16), "white")
        ImageDraw.Draw(tile).text((2, 0), label, font=small, fill=INK)
        turned = tile.rotate(90, expand=True)
        img.paste(turned, (x0 + j * CELL_W + (CELL_W - turned.width) // 2,
                           grid_top - 6 - turned.height))
    side_x = x0 + grid_w + 24
    d.text((side_x, grid_top - 22), "Rounds answered", font=small, fill=INK)
    for i, member in enumerate(members):
        y = grid_top + i * CELL_H
        d.text((PAD + name_w - 8, y + CELL_H // 2), member, font=font, fill=INK, anchor="rm")
        for j, c in enumerate(columns):
            value = p.cells[i][c]
            bg = EMPTY if value is None else colour(value)
            box = (x0 + j * CELL_W, y, x0 + (j + 1) * CELL_W - 2, y + CELL_H - 2)
            d.rectangle(box, fill=bg)
            d.text(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2),
                   "-" if value is None else f"{round(value * 100)}%", font=small,
                   fill=MUTED if value is None else _ink_on(bg), anchor="mm")
        _side_bar(d, side_x, y, p.answered[i], p.rounds, small)
    if not columns:
        d.text((x0 + 8, grid_top + 8), "no graded answers", font=small, fill=MUTED)
    left_out = [f"{len(p.members) - MAX_MEMBERS} more members"] * (
        len(p.members) > MAX_MEMBERS)
    left_out += [f"{len(p.topics) - len(columns)} mid-ranked topics"] * (
        len(p.topics) > len(columns))
    if left_out:
        d.text((x0, legend_top + 30), "Not shown: " + ", ".join(left_out), font=small,
               fill=MUTED, anchor="lm")
    _legend(img, d, x0, legend_top, small)
    _participation(d, p, PAD, chart_top, width_px - 2 * PAD, chart_h, font, small)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


def _side_bar(d: ImageDraw.ImageDraw, x: int, y: int, done: int, total: int,
              f: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> None:
    full = 90
    d.rectangle((x, y + 8, x + full, y + CELL_H - 10), fill=GRID)
    if total and done:
        d.rectangle((x, y + 8, x + round(full * min(1.0, done / total)), y + CELL_H - 10),
                    fill=BAR)
    d.text((x + full + 8, y + CELL_H // 2 - 1), f"{done}/{total}", font=f, fill=INK,
           anchor="lm")


def _legend(img: object, d: ImageDraw.ImageDraw, x: int, y: int,
            f: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> None:
    d.text((x, y + 7), "0%", font=f, fill=MUTED, anchor="lm")
    left, w = x + 28, 160
    for k in range(w):
        d.line((left + k, y, left + k, y + 14), fill=colour(k / (w - 1)))
    d.text((left + w + 6, y + 7), "100%", font=f, fill=MUTED, anchor="lm")
    d.rectangle((left + w + 52, y, left + w + 66, y + 14), fill=EMPTY)
    d.text((left + w + 72, y + 7), "no graded answer", font=f, fill=MUTED, anchor="lm")


def _participation(d: ImageDraw.ImageDraw, p: TeamPicture, x: int, y: int, w: int, h: int,
                   font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
                   small: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> None:
    people = max(1, len(p.members))
    d.text((x, y), f"Participation: members who answered, per {p.per} (of {len(p.members)})",
           font=font, fill=INK)
    base = y + 22 + h
    d.line((x, base, x + w, base), fill=MUTED)
    if not p.days:
        d.text((x + 8, base - 20), "no rounds in this period", font=small, fill=MUTED)
        return
    slot = w / len(p.days)
    every = max(1, round(len(p.days) / (w / 56)))      # a date label about every 56 px
    for k, (day, n) in enumerate(p.days):
        left = x + k * slot
        bar_h = max(2, round((h - 18) * n / people))      # an empty day: a thin mark
        d.rectangle((round(left + slot * 0.15), base - bar_h, round(left + slot * 0.85),
                     base - 1), fill=BAR if n else GRID)
        centre = round(left + slot / 2)
        if slot >= 18:
            d.text((centre, base - bar_h - 3), str(n), font=small, fill=INK, anchor="md")
        if k % every == 0:
            d.text((centre, base + 4), day.strftime("%d %b"), font=small, fill=MUTED,
                   anchor="ma")
