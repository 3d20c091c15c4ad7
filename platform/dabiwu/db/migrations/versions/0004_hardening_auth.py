"""team merge requests (a merge needs both captains); long join codes for existing teams

Issue #14, item 9: a captain could absorb another team with its 32-bit join code alone. Merges now wait in
team_merge_requests for the other captain's consent, and join codes are 192-bit (secrets.token_urlsafe(24), 32
characters): existing short codes are replaced here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 22:10:00
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('team_merge_requests',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('absorbing_team_id', sa.Integer(), nullable=False),
    sa.Column('absorbed_team_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['absorbed_team_id'], ['teams.id'], name=op.f('fk_team_merge_requests_absorbed_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['absorbing_team_id'], ['teams.id'], name=op.f('fk_team_merge_requests_absorbing_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_team_merge_requests_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_team_merge_requests_proposed_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_merge_requests'))
    )
    with op.batch_alter_table('team_merge_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_merge_requests_absorbed_team_id'), ['absorbed_team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_merge_requests_absorbing_team_id'), ['absorbing_team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_merge_requests_status'), ['status'], unique=False)
    teams = sa.table('teams', sa.column('id', sa.Integer()), sa.column('join_code', sa.String()))
    bind = op.get_bind()
    for team_id, code in bind.execute(sa.select(teams.c.id, teams.c.join_code)).all():
        if len(code) < 32 and not code.startswith('merged-'):
            bind.execute(teams.update().where(teams.c.id == team_id).values(join_code=secrets.token_urlsafe(24)))


def downgrade() -> None:
    with op.batch_alter_table('team_merge_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_merge_requests_status'))
        batch_op.drop_index(batch_op.f('ix_team_merge_requests_absorbing_team_id'))
        batch_op.drop_index(batch_op.f('ix_team_merge_requests_absorbed_team_id'))
    op.drop_table('team_merge_requests')
