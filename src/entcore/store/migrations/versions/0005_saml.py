"""SAML service provider state: outstanding AuthnRequests and assertions seen (replay cache).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saml_requests',
    sa.Column('request_id', sa.String(length=256), nullable=False),
    sa.Column('provider', sa.String(), nullable=False),
    sa.Column('idp_entity_id', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_saml_requests'))
    )
    op.create_index('ix_saml_requests_expires_at', 'saml_requests', ['expires_at'], unique=False)
    op.create_table('saml_assertions',
    sa.Column('assertion_id', sa.String(length=256), nullable=False),
    sa.Column('idp_entity_id', sa.String(length=1024), nullable=False),
    sa.Column('provider', sa.String(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('assertion_id', 'idp_entity_id', name=op.f('pk_saml_assertions'))
    )
    op.create_index('ix_saml_assertions_expires_at', 'saml_assertions', ['expires_at'], unique=False)
    op.create_index('ix_accounts_email_lower', 'accounts', [sa.text('lower(email)')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_accounts_email_lower', table_name='accounts')
    op.drop_index('ix_saml_assertions_expires_at', table_name='saml_assertions')
    op.drop_table('saml_assertions')
    op.drop_index('ix_saml_requests_expires_at', table_name='saml_requests')
    op.drop_table('saml_requests')
