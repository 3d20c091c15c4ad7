"""Database rows one scored submission adds (docs/capacity.md sizes the database from these): counted, per table."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.pipeline import upload, work_one

# docs/capacity.md, "Database": the rows one scored submission adds, at most (a second submission of the same team adds
# the same); a change here must update that section too.
# Measured: one each in submissions, jobs and scores, plus one notification ("scored") per member of the team (one
# member here); webhook deliveries add one per subscribed webhook (none here).
MAX_ROWS_PER_SUBMISSION = 4


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()  # noqa: S608
                for name in inspect(engine).get_table_names() if name != "alembic_version"}


def test_a_scored_submission_adds_a_bounded_number_of_rows(client, settings, role_headers, loaded, baseline_archive,
                                                            capsys):
    from sqlalchemy import create_engine

    engine = create_engine(settings.resolved_database_url)
    try:
        first = upload(client, role_headers["team"], baseline_archive)  # the team's first: its own rows are made once
        assert first.status_code == 202, first.text
        assert work_one(settings) == "scored"
        before = _counts(engine)
        accepted = upload(client, role_headers["team"], baseline_archive)
        assert accepted.status_code == 202, accepted.text
        assert work_one(settings) == "scored"
        after = _counts(engine)
    finally:
        engine.dispose()
    added = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    with capsys.disabled():
        print(f"\nrows added by one scored submission: {sum(added.values())} {added}")
    assert "submissions" in added and added["submissions"] == 1
    assert 0 < sum(added.values()) <= MAX_ROWS_PER_SUBMISSION, added
