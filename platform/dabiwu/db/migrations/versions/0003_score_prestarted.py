"""scores: whether a pre-started sandbox served the job; the two circular foreign keys 0001 left out

0001 declared teams.captain_id -> users.id and challenges.current_dataset_id -> dataset_versions.id with
use_alter=True inside op.create_table, where SQLAlchemy skips them: PostgreSQL databases were created without
them (SQLite got them inline). They are added here where missing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 18:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


CIRCULAR_KEYS = (
    ('fk_teams_captain_id_users', 'teams', 'users', 'captain_id'),
    ('fk_challenges_current_dataset_id_dataset_versions', 'challenges', 'dataset_versions', 'current_dataset_id'),
)


def upgrade() -> None:
    with op.batch_alter_table('scores') as batch_op:
        batch_op.add_column(sa.Column('sandbox_prestarted', sa.Boolean(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        return
    inspector = sa.inspect(bind)
    for name, table, target, column in CIRCULAR_KEYS:
        if not any(fk['constrained_columns'] == [column] for fk in inspector.get_foreign_keys(table)):
            op.create_foreign_key(name, table, target, [column], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('scores') as batch_op:
        batch_op.drop_column('sandbox_prestarted')
