"""notifications: outbox changes (owned by the notifications capability)

Revision ID: 0002_notifications
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_notifications'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
