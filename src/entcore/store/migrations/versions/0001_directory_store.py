"""Directory store: structures, subjects, MEFs, accounts, classes, groups and their links.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 15:17:06.763627
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('directory_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('mode', sa.String(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_imports'))
    )
    op.create_table('mefs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('attachment', sa.String(), nullable=True),
    sa.Column('statistical', sa.String(), nullable=True),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('fingerprint', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mefs')),
    sa.UniqueConstraint('code', name=op.f('uq_mefs_code'))
    )
    op.create_table('structures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=False),
    sa.Column('uai', sa.String(), nullable=True),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('type', sa.String(), nullable=True),
    sa.Column('academy', sa.String(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('fingerprint', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('timetable_mode', sa.String(), server_default='directory', nullable=False),
    sa.Column('school_year', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_structures')),
    sa.UniqueConstraint('external_id', name=op.f('uq_structures_external_id')),
    sa.UniqueConstraint('uai', name=op.f('uq_structures_uai'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=False),
    sa.Column('profile', sa.String(), nullable=False),
    sa.Column('login', sa.String(), nullable=False),
    sa.Column('display_name', sa.String(), nullable=False),
    sa.Column('last_name', sa.String(), nullable=False),
    sa.Column('first_name', sa.String(), nullable=False),
    sa.Column('birth_name', sa.String(), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('title', sa.String(), nullable=True),
    sa.Column('email', sa.String(), nullable=True),
    sa.Column('ine', sa.String(), nullable=True),
    sa.Column('mef', sa.String(), nullable=True),
    sa.Column('structure_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('federated', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(), nullable=True),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('fingerprint', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('disappeared_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_accounts_structure_id_structures'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('external_id', name=op.f('uq_accounts_external_id')),
    sa.UniqueConstraint('login', name=op.f('uq_accounts_login'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_structure_id'), ['structure_id'], unique=False)

    op.create_table('subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('fingerprint', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects')),
    sa.UniqueConstraint('code', name=op.f('uq_subjects_code'))
    )
    op.create_table('account_structures',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_structures_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_account_structures_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'structure_id', 'role', name=op.f('pk_account_structures'))
    )
    with op.batch_alter_table('account_structures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_structures_structure_id'), ['structure_id'], unique=False)

    op.create_table('classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_classes_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classes')),
    sa.UniqueConstraint('structure_id', 'code', name=op.f('uq_classes_structure_id_code'))
    )
    op.create_table('functions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('discipline_code', sa.String(), nullable=False),
    sa.Column('discipline_label', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_functions_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_functions_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_functions'))
    )
    with op.batch_alter_table('functions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_functions_account_id'), ['account_id'], unique=False)

    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.id'], name=op.f('fk_groups_structure_id_structures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
    sa.UniqueConstraint('structure_id', 'code', name=op.f('uq_groups_structure_id_code'))
    )
    op.create_table('relative_links',
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('relative_external_id', sa.String(), nullable=False),
    sa.Column('relationship', sa.String(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('financial', sa.Boolean(), nullable=False),
    sa.Column('legal', sa.Boolean(), nullable=False),
    sa.Column('in_charge', sa.Boolean(), nullable=False),
    sa.Column('contact', sa.Boolean(), nullable=False),
    sa.Column('payer', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['accounts.id'], name=op.f('fk_relative_links_student_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('student_id', 'relative_external_id', name=op.f('pk_relative_links'))
    )
    with op.batch_alter_table('relative_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relative_links_relative_external_id'), ['relative_external_id'], unique=False)

    op.create_table('class_members',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_class_members_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_class_members_class_id_classes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_id', 'account_id', 'role', 'source', name=op.f('pk_class_members'))
    )
    with op.batch_alter_table('class_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_members_account_id'), ['account_id'], unique=False)

    op.create_table('class_spaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_class_spaces_class_id_classes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_spaces')),
    sa.UniqueConstraint('class_id', name=op.f('uq_class_spaces_class_id'))
    )
    op.create_table('group_members',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_group_members_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_group_members_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'account_id', 'role', 'source', name=op.f('pk_group_members'))
    )
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_members_account_id'), ['account_id'], unique=False)

    op.create_table('teachings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('subject_code', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_teachings_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_teachings_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_teachings_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teachings'))
    )
    with op.batch_alter_table('teachings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teachings_account_id'), ['account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('teachings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teachings_account_id'))

    op.drop_table('teachings')
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_members_account_id'))

    op.drop_table('group_members')
    op.drop_table('class_spaces')
    with op.batch_alter_table('class_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_members_account_id'))

    op.drop_table('class_members')
    with op.batch_alter_table('relative_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relative_links_relative_external_id'))

    op.drop_table('relative_links')
    op.drop_table('groups')
    with op.batch_alter_table('functions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_functions_account_id'))

    op.drop_table('functions')
    op.drop_table('classes')
    with op.batch_alter_table('account_structures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_structures_structure_id'))

    op.drop_table('account_structures')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_structure_id'))

    op.drop_table('accounts')
    op.drop_table('subjects')
    op.drop_table('structures')
    op.drop_table('mefs')
    op.drop_table('directory_imports')
