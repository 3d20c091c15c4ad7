"""Validated model trees stored once by content; submissions.tree_sha256 and model_expired_at

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 02:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'model_blobs',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('stored_size', sa.BigInteger(), nullable=False),
        sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_model_blobs')),
    )
    op.create_index(op.f('ix_model_blobs_touched_at'), 'model_blobs', ['touched_at'], unique=False)
    op.create_table(
        'model_trees',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('files', sa.Integer(), nullable=False),
        sa.Column('bytes', sa.BigInteger(), nullable=False),
        sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_model_trees')),
    )
    op.create_index(op.f('ix_model_trees_touched_at'), 'model_trees', ['touched_at'], unique=False)
    op.create_table(
        'model_tree_files',
        sa.Column('tree_sha256', sa.String(length=64), nullable=False),
        sa.Column('path', sa.String(length=1024), nullable=False),
        sa.Column('blob_sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['blob_sha256'], ['model_blobs.sha256'],
                                name=op.f('fk_model_tree_files_blob_sha256_model_blobs')),
        sa.ForeignKeyConstraint(['tree_sha256'], ['model_trees.sha256'], ondelete='CASCADE',
                                name=op.f('fk_model_tree_files_tree_sha256_model_trees')),
        sa.PrimaryKeyConstraint('tree_sha256', 'path', name=op.f('pk_model_tree_files')),
    )
    op.create_index(op.f('ix_model_tree_files_blob_sha256'), 'model_tree_files', ['blob_sha256'], unique=False)
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.add_column(sa.Column('tree_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('model_expired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_submissions_tree_sha256'), ['tree_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_model_expired_at'), ['model_expired_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_model_expired_at'))
        batch_op.drop_index(batch_op.f('ix_submissions_tree_sha256'))
        batch_op.drop_column('model_expired_at')
        batch_op.drop_column('tree_sha256')
    op.drop_index(op.f('ix_model_tree_files_blob_sha256'), table_name='model_tree_files')
    op.drop_table('model_tree_files')
    op.drop_index(op.f('ix_model_trees_touched_at'), table_name='model_trees')
    op.drop_table('model_trees')
    op.drop_index(op.f('ix_model_blobs_touched_at'), table_name='model_blobs')
    op.drop_table('model_blobs')
