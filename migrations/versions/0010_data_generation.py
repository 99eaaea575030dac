"""the data generation: one row counting committed changes, so rendered pages
can be kept exactly as long as nothing they show has changed (core/cache.py)

Going down drops the counter; no data is lost.

Revision ID: 0010_data_generation
Revises: 0009_list_indexes
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_data_generation'
down_revision = '0009_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('data_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation'))
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('data_generation')
