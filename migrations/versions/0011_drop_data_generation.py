"""drop the data generation: the page cache it served is gone (it did not lift a mixed
load of distinct people with writes; see bench/results.md)

Going down puts the counter back at 0; no data is lost.

Revision ID: 0011_drop_data_generation
Revises: 0010_data_generation
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_drop_data_generation'
down_revision = '0010_data_generation'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('data_generation')


def downgrade():
    table = op.create_table('data_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation'))
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])
