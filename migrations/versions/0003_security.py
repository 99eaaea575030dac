"""security: two-step sign-in and session hardening (owned by the security capability)

Revision ID: 0003_security
Revises: 0002_notifications
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_security'
down_revision = '0002_notifications'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
