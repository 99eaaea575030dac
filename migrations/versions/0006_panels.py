"""learning panels, attendees, calendar (owned by that capability)

Revision ID: 0006_panels
Revises: 0005_cases
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_panels'
down_revision = '0005_cases'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
