"""The Alembic revisions build exactly the schema the ORM models describe (on SQLite and PostgreSQL):
a column added to a model without a revision, or the reverse, fails here instead of in production."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from dabiwu.db.base import Base
import dabiwu.db.models  # noqa: F401  (registers every table on Base.metadata)


def test_migrated_database_matches_the_models(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = [d for d in compare_metadata(context, Base.metadata)
                           if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")]
    finally:
        engine.dispose()
    assert differences == [], differences
