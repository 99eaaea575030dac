"""indexes for the order in which long lists are shown, so a page of them is read in order
rather than sorted from every row

Revision ID: 0009_list_indexes
Revises: 0008_review_status
"""
from alembic import op


revision = '0009_list_indexes'
down_revision = '0008_review_status'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_full_name'), ['full_name'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_full_name'))
