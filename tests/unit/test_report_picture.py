"""The team report's picture: a valid PNG of a sane size, drawn from the report's data."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, date, datetime, timedelta

from bot.app import Core
from bot.clock import FixedClock
from bot.services.picture import TeamPicture, colour, draw
from tests.fakes.memory import LEAD, MemoryPlatform
from tests.unit.test_teams import ctx, play_week

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, checking the signature and the chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(kind + body) == crc
    width, height = struct.unpack(">II", body[:8])
    return width, height


def check_png(data: bytes) -> tuple[int, int]:
    from PIL import Image

    width, height = png_size(data)
    assert 400 <= width <= 2400 and 300 <= height <= 2400
    assert len(data) < 1_000_000
    with Image.open(io.BytesIO(data)) as img:
        img.verify()  # reads every chunk and checks their CRCs
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG" and img.size == (width, height)
    return width, height


def sample(members: int = 4, topics: int = 5, days: int = 20) -> TeamPicture:
    names = tuple(f"person-{i}" for i in range(members))
    tops = tuple(f"topic-{j}" for j in range(topics))
    cells = tuple(tuple(None if (i + j) % 4 == 0 else ((i * 7 + j * 3) % 11) / 10
                        for j in range(topics)) for i in range(members))
    return TeamPicture("Team backend report, this month", names, tops, cells,
                       tuple(range(members, 0, -1)), days,
                       tuple((date(2026, 11, 1) + timedelta(k), k % (members + 1))
                             for k in range(days)))


def test_the_picture_is_a_valid_png_of_a_sane_size() -> None:
    check_png(draw(sample()))


def test_big_teams_long_periods_and_empty_data_still_fit() -> None:
    wide, _ = check_png(draw(sample(members=60, topics=30, days=120)))
    assert wide < 1400   # topics beyond MAX_TOPICS are left out, not squeezed in
    check_png(draw(TeamPicture("Team empty", ("solo",), (), ((),), (0,), 0, ())))


def test_the_colour_ramp_runs_from_light_to_dark() -> None:
    def light(c: tuple[int, int, int]) -> float:
        return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]

    shades = [light(colour(x / 10)) for x in range(11)]
    assert shades == sorted(shades, reverse=True)
    assert colour(-1) == colour(0) and colour(2) == colour(1)


async def test_the_team_report_carries_its_picture(core: Core, clock: FixedClock,
                                                  memory: MemoryPlatform) -> None:
    await play_week(core, clock, memory)
    clock.set(datetime(2026, 11, 19, 12, 0, tzinfo=UTC))
    report = (await core.commands.run(ctx(LEAD), "team", "report backend week")).message
    assert report.attachment is not None
    name, content = report.attachment
    assert name == "quizbot-backend-week-report.png" and isinstance(content, bytes)
    check_png(content)
    assert "alice: 3/3 rounds" in report.text()  # the text report is unchanged


async def test_a_team_without_rounds_gets_no_picture(core: Core) -> None:
    await core.commands.run(ctx(LEAD), "team", "create backend")
    report = (await core.commands.run(ctx(LEAD), "team", "report backend week")).message
    assert report.attachment is None
