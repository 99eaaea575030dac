"""shared learning, action records (owned by that capability)

Revision ID: 0007_learning
Revises: 0006_panels
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_learning'
down_revision = '0006_panels'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
