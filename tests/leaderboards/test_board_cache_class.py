"""leaderboards/cache.py: the boards' memory and its one invalidation rule (a board holds one version at a
time), tested on the class itself, then through the route with a status change the old alphabetical
range used to catch."""

from __future__ import annotations

import time

URL = "/api/v1/challenges/toy/leaderboard"
PUBLIC, PRIVATE, OTHER_DB = ("db", 1, "public"), ("db", 1, "private"), ("db2", 1, "public")


def _board(version, rows=None):
    from dabiwu.leaderboards.cache import Board

    return Board(version=version, rows=rows if rows is not None else [{"v": version}], checked_at=time.monotonic(),
                 score_marks=(0, 0))


def test_a_new_version_drops_the_old_board_and_all_its_pages_and_nothing_else():
    from dabiwu.leaderboards.cache import BoardCache

    cache = BoardCache()
    for key in (PUBLIC, PRIVATE, OTHER_DB):
        cache.put_board(key, _board(("v1",)))
        for page in (1, 2):
            cache.put_page(key, ("v1",), page, 100, (b"page-%d" % page, 250))
    assert cache.page(PUBLIC, ("v1",), 2, 100) == (b"page-2", 250)
    assert cache.page(PUBLIC, ("v2",), 2, 100) is None  # a page is only ever answered for its own version

    rechecked = _board(("v1",))  # the same version checked again: rows and pages stay
    cache.put_board(PUBLIC, rechecked)
    assert cache.board(PUBLIC) is rechecked and cache.page(PUBLIC, ("v1",), 1, 100) == (b"page-1", 250)

    cache.put_board(PUBLIC, _board(("v2",)))
    assert cache.board(PUBLIC).version == ("v2",)
    assert cache.page(PUBLIC, ("v1",), 1, 100) is None and cache.page(PUBLIC, ("v2",), 1, 100) is None
    for key in (PRIVATE, OTHER_DB):  # other boards, and the same board of another database, are untouched
        assert cache.board(key).version == ("v1",) and cache.page(key, ("v1",), 1, 100) == (b"page-1", 250)
    assert cache.page_bytes() == 4 * len(b"page-1")


def test_a_page_of_a_new_version_drops_the_old_board_too():
    """Finalizing gives the board the version ("final", time): its first page drops the live board and pages."""
    from dabiwu.leaderboards.cache import BoardCache

    cache = BoardCache()
    cache.put_board(PUBLIC, _board(("live",)))
    cache.put_page(PUBLIC, ("live",), 1, None, (b"live", 3))
    cache.put_page(PUBLIC, ("final", "t"), 1, None, (b"final", 3))
    assert cache.board(PUBLIC) is None and cache.page(PUBLIC, ("live",), 1, None) is None
    assert cache.page(PUBLIC, ("final", "t"), 1, None) == (b"final", 3)


def test_pages_are_bounded_by_count_and_bytes_least_recently_used_first():
    from dabiwu.leaderboards.cache import BoardCache

    cache = BoardCache(max_pages=3, max_page_bytes=10)
    for page in (1, 2, 3):
        cache.put_page(PUBLIC, ("v",), page, 1, (b"aaa", 1))
    assert cache.page(PUBLIC, ("v",), 1, 1) is not None  # page 1 is now the most recently used
    cache.put_page(PUBLIC, ("v",), 4, 1, (b"aaa", 1))
    assert cache.page(PUBLIC, ("v",), 2, 1) is None
    assert all(cache.page(PUBLIC, ("v",), page, 1) is not None for page in (1, 3, 4))
    cache.put_page(PUBLIC, ("v",), 5, 1, (b"aaaaaaaa", 1))  # 8 bytes: only it fits in 10
    assert [page for page in (1, 3, 4, 5) if cache.page(PUBLIC, ("v",), page, 1)] == [5]
    assert cache.page_bytes() == 8


def test_the_challenge_view_is_replaced_when_read_again():
    from dabiwu.challenges.rules import parse_rules
    from dabiwu.leaderboards.cache import BoardCache, ChallengeView
    from tests.challenge_spec import complete_spec

    rules = parse_rules(complete_spec(), source="test")
    cache = BoardCache()
    assert cache.challenge("db", "toy") is None
    cache.put_challenge("db", ChallengeView(id=1, slug="toy", rules=rules, finalized_at=None))
    first_read = cache.challenge("db", "toy")[1]
    cache.put_challenge("db", ChallengeView(id=1, slug="toy", rules=rules, finalized_at=None, status="withdrawn"))
    view, read_at = cache.challenge("db", "toy")
    assert view.status == "withdrawn" and read_at >= first_read and cache.challenge("db2", "toy") is None


def test_every_unscored_state_is_named_and_moves_the_board(client, world):
    """The board's version reads the unscored submissions by an explicit list of states (once a range of
    status strings around "scored"): each state moves a scored submission off the board and back."""
    from sqlalchemy import update

    from dabiwu.db.models import Submission
    from dabiwu.db.models.submissions import SUBMISSION_STATUSES
    from dabiwu.leaderboards.service import UNSCORED_STATUSES

    assert set(UNSCORED_STATUSES) == set(SUBMISSION_STATUSES) - {"scored"} and "scored" not in UNSCORED_STATUSES
    moved = world.scored("A", 0.9, 0.9)
    world.scored("B", 0.5, 0.5)

    def teams():
        answer = client.get(URL, headers=world.headers["judge"])
        assert answer.status_code == 200, answer.text
        return [r["team"] for r in answer.json()]

    assert teams() == ["A", "B"]
    for status in UNSCORED_STATUSES:
        with world.session() as session:
            session.execute(update(Submission).where(Submission.id == moved).values(status=status))
        assert teams() == ["B"], status
        with world.session() as session:
            session.execute(update(Submission).where(Submission.id == moved).values(status="scored"))
        assert teams() == ["A", "B"], status
