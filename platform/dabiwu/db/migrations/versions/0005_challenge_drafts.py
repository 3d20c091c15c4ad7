"""challenges.status: draft | published | withdrawn (existing challenges are published)

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-03 22:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('challenges') as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default=sa.text("'published'"), nullable=False))
        batch_op.create_index(batch_op.f('ix_challenges_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('challenges') as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenges_status'))
        batch_op.drop_column('status')
