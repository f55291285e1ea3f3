"""Issue 18: the one-tap override "also calibrates their later ratings": a person's taps
move their coverage thresholds, bounded, after a minimum number of taps."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.app import Core
from bot.clock import FixedClock
from bot.domain.calibration import MAX_SHIFT, MIN_TAPS, calibration, needed_shift, per_mille
from bot.domain.reviews import THRESHOLDS, Recall, rating_for
from bot.services.reviews import override, person_shift, record_review
from tests.dbdump import query
from tests.unit.test_review_override import person_id
from tests.unit.test_reviews import ALICE

TAPS = st.sampled_from([Recall.AGAIN, Recall.HARD, Recall.GOOD])
COVERAGE = st.integers(min_value=0, max_value=1000)
TAP_LISTS = st.lists(st.tuples(COVERAGE, TAPS), max_size=40)


def band(rating: Recall) -> Recall:
    """What a tap claims: "knew" (Good) means Good or better."""
    return min(rating, Recall.GOOD)


def test_a_tap_that_agrees_with_the_grade_needs_no_shift() -> None:
    assert needed_shift(500, Recall.HARD) == 0            # Hard is [250, 600)
    assert needed_shift(950, Recall.GOOD) == 0            # "knew" on an Easy: no complaint
    assert needed_shift(100, Recall.AGAIN) == 0


def test_the_needed_shift_is_the_smallest_move_into_the_tapped_band() -> None:
    assert needed_shift(500, Recall.GOOD) == -100          # Good from 600: lower by 100
    assert needed_shift(700, Recall.AGAIN) == 451          # Again below 250: raise past 700
    assert needed_shift(100, Recall.HARD) == -150          # Hard from 250: lower by 150
    assert needed_shift(650, Recall.HARD) == 51            # Hard below 600: raise past 650


def test_fewer_than_the_minimum_taps_change_nothing() -> None:
    assert calibration([(500, Recall.GOOD)] * (MIN_TAPS - 1)) == 0
    assert calibration([(500, Recall.GOOD)] * MIN_TAPS) == -100


def test_the_median_ignores_one_wild_tap_and_the_shift_is_bounded() -> None:
    assert calibration([(500, Recall.GOOD), (520, Recall.GOOD), (0, Recall.AGAIN)]) == -80
    assert calibration([(900, Recall.AGAIN)] * 5) == MAX_SHIFT
    assert calibration([(0, Recall.GOOD)] * 5) == -MAX_SHIFT


@given(TAP_LISTS)
def test_the_shift_is_bounded_and_needs_the_minimum(taps: list[tuple[int, Recall]]) -> None:
    shift = calibration(taps)
    assert -MAX_SHIFT <= shift <= MAX_SHIFT
    if len(taps) < MIN_TAPS:
        assert shift == 0


@given(TAP_LISTS)
def test_taps_that_agree_with_the_default_grade_shift_nothing(
        taps: list[tuple[int, Recall]]) -> None:
    agreeing = [(c, band(rating_for(c / 1000))) for c, _ in taps]
    assert calibration(agreeing) == 0


@given(TAP_LISTS)
def test_taps_asking_higher_never_lower_a_rating(taps: list[tuple[int, Recall]]) -> None:
    """When every tap asks for at least what the grade gave, the shift lowers the thresholds
    (or leaves them), so no later answer is rated lower than by default."""
    higher = [(c, max(t, band(rating_for(c / 1000)))) for c, t in taps]
    shift = calibration(higher)
    assert shift <= 0
    assert all(rating_for(c / 1000, shift) >= rating_for(c / 1000) for c in range(0, 1001, 7))


@given(st.integers(-MAX_SHIFT, MAX_SHIFT), COVERAGE, COVERAGE)
def test_ratings_stay_monotone_in_coverage(shift: int, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert rating_for(low / 1000, shift) <= rating_for(high / 1000, shift)


@given(st.floats(0, 1))
def test_no_shift_is_the_default_grade(coverage: float) -> None:
    expected = (Recall.AGAIN if coverage < 0.25 else Recall.HARD if coverage < 0.6 else
                Recall.GOOD if coverage < 0.9 else Recall.EASY)
    assert rating_for(coverage) is expected and THRESHOLDS == (250, 600, 900)
    assert 0 <= per_mille(coverage) <= 1000


def review_rows(core: Core) -> list[tuple[object, ...]]:
    return query(core.settings, "SELECT rating, coverage, graded, tapped FROM review_logs"
                 " ORDER BY id")


async def test_taps_are_stored_and_calibrate_the_next_grade(core: Core,
                                                            clock: FixedClock) -> None:
    """alice taps "I knew it" on three half-covered answers graded Hard; her next
    half-covered answer is rated Good, and the log keeps what each grade first gave."""
    pid = await person_id(core)
    for i in range(MIN_TAPS):
        async with core.db.transaction() as conn:
            await record_review(conn, pid, f"q{i}", 0.5, source="practice", source_id=i + 1,
                                at=clock.now() + timedelta(days=i))
            assert await person_shift(conn, pid) == 0
            await override(conn, pid, f"q{i}", "practice", i + 1, Recall.GOOD)
    assert review_rows(core) == [(3, 500, 2, 3)] * MIN_TAPS
    async with core.db.transaction() as conn:
        assert await person_shift(conn, pid) == -100
        await record_review(conn, pid, "q9", 0.5, source="practice", source_id=9,
                            at=clock.now() + timedelta(days=5))
    assert review_rows(core)[-1] == (3, 500, 3, None)
    stats = (await core.reports.stats(ALICE.actor)).text()
    assert "Calibration: graded answers rate as if they covered 10 percentage points more" \
        in stats
    bob = await person_id(core, "U2", "bob")              # nobody else is calibrated by it
    async with core.db.transaction() as conn:
        assert await person_shift(conn, bob) == 0


async def test_a_tap_agreeing_with_the_grade_is_kept_as_a_confirmation(
        core: Core, clock: FixedClock) -> None:
    pid = await person_id(core)
    async with core.db.transaction() as conn:
        await record_review(conn, pid, "q1", 0.5, source="practice", source_id=1,
                            at=clock.now())
        await override(conn, pid, "q1", "practice", 1, Recall.HARD)
    assert review_rows(core) == [(2, 500, 2, 2)]
