"""multi-agency cases, invitations and agency returns (owned by that capability)

Revision ID: 0005_cases
Revises: 0004_reviews
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_cases'
down_revision = '0004_reviews'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
