"""submissions.error_zh: the Chinese sentence of a failed submission's error (issue #14, items 8 and 17)

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-03 22:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.add_column(sa.Column('error_zh', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.drop_column('error_zh')
