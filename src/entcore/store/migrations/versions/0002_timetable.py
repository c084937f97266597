"""Timetable store: imports and their reports, mappings, learnt links, sessions and their contents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 15:47:05.038433
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('session_contents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(), nullable=False),
    sa.Column('subject_code', sa.String(), nullable=True),
    sa.Column('subject_label', sa.String(), nullable=True),
    sa.Column('teachers', sa.JSON(), nullable=False),
    sa.Column('classes', sa.JSON(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('rooms', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_session_contents_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_contents')),
    sa.UniqueConstraint('structure_id', 'digest', name=op.f('uq_session_contents_structure_id_digest'))
    )
    op.create_table('timetable_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('scheme', sa.String(), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_timetable_identities_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_identities')),
    sa.UniqueConstraint('structure_id', 'kind', 'scheme', 'value', name=op.f('uq_timetable_identities_structure_id_kind_scheme_value'))
    )
    op.create_table('timetable_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('uai', sa.String(), nullable=False),
    sa.Column('format', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('file_name', sa.String(), nullable=False),
    sa.Column('file_digest', sa.String(), nullable=False),
    sa.Column('school_year', sa.String(), nullable=False),
    sa.Column('reference_time', sa.DateTime(), nullable=False),
    sa.Column('as_of', sa.Boolean(), nullable=False),
    sa.Column('new_year', sa.Boolean(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('marker', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('validated_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_timetable_imports_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_imports')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('timetable_imports', schema=None) as batch_op:
        batch_op.create_index('ix_timetable_imports_structure_status', ['structure_id', 'status'], unique=False)

    op.create_table('timetable_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('source_key', sa.String(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_timetable_mappings_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_mappings')),
    sa.UniqueConstraint('structure_id', 'kind', 'source_key', name=op.f('uq_timetable_mappings_structure_id_kind_source_key'))
    )
    op.create_table('session_content_links',
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['content_id'], ['session_contents.id'], name=op.f('fk_session_content_links_content_id_session_contents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('content_id', 'kind', 'target_id', name=op.f('pk_session_content_links'))
    )
    with op.batch_alter_table('session_content_links', schema=None) as batch_op:
        batch_op.create_index('ix_session_content_links_kind_target', ['kind', 'target_id'], unique=False)

    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('series', sa.String(), nullable=False),
    sa.Column('school_year', sa.String(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('fingerprint', sa.String(), nullable=False),
    sa.Column('first_import_id', sa.Integer(), nullable=False),
    sa.Column('last_import_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['content_id'], ['session_contents.id'], name=op.f('fk_sessions_content_id_session_contents')),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_sessions_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    sa.UniqueConstraint('structure_id', 'key', name=op.f('uq_sessions_structure_id_key'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_content_id'), ['content_id'], unique=False)
        batch_op.create_index('ix_sessions_structure_start', ['structure_id', 'start_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_structure_start')
        batch_op.drop_index(batch_op.f('ix_sessions_content_id'))

    op.drop_table('sessions')
    with op.batch_alter_table('session_content_links', schema=None) as batch_op:
        batch_op.drop_index('ix_session_content_links_kind_target')

    op.drop_table('session_content_links')
    op.drop_table('timetable_mappings')
    with op.batch_alter_table('timetable_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_timetable_imports_structure_status')

    op.drop_table('timetable_imports')
    op.drop_table('timetable_identities')
    op.drop_table('session_contents')