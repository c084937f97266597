"""Access blocking: the blocks in force per structure (or platform) and profile, and their history.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 19:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=True),
    sa.Column('profile', sa.String(), nullable=False),
    sa.Column('message', sa.String(), nullable=True),
    sa.Column('until', sa.DateTime(), nullable=True),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.Column('by', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_access_blocks_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_blocks'))
    )
    with op.batch_alter_table('access_blocks', schema=None) as batch_op:
        batch_op.create_index('uq_access_blocks_platform_profile', ['profile'], unique=True, sqlite_where=sa.text('structure_id IS NULL'), postgresql_where=sa.text('structure_id IS NULL'))
        batch_op.create_index('uq_access_blocks_structure_profile', ['structure_id', 'profile'], unique=True, sqlite_where=sa.text('structure_id IS NOT NULL'), postgresql_where=sa.text('structure_id IS NOT NULL'))

    op.create_table('access_block_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('uai', sa.String(), nullable=True),
    sa.Column('profile', sa.String(), nullable=False),
    sa.Column('message', sa.String(), nullable=True),
    sa.Column('until', sa.DateTime(), nullable=True),
    sa.Column('since', sa.DateTime(), nullable=True),
    sa.Column('by', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_block_events')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('access_block_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_block_events_uai'), ['uai'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_block_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_block_events_uai'))

    op.drop_table('access_block_events')
    with op.batch_alter_table('access_blocks', schema=None) as batch_op:
        batch_op.drop_index('uq_access_blocks_structure_profile', sqlite_where=sa.text('structure_id IS NOT NULL'), postgresql_where=sa.text('structure_id IS NOT NULL'))
        batch_op.drop_index('uq_access_blocks_platform_profile', sqlite_where=sa.text('structure_id IS NULL'), postgresql_where=sa.text('structure_id IS NULL'))

    op.drop_table('access_blocks')
