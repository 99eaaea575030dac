"""indexes for the order in which long lists are shown (read in order rather than sorted from
every row) and for the dates the annual summary counts a year by

Going down drops indexes only; no data is lost.

Revision ID: 0009_list_indexes
Revises: 0008_review_status
"""
from alembic import op


revision = '0009_list_indexes'
down_revision = '0008_review_status'
branch_labels = None
depends_on = None


# (table, column): the people list's order, and the dates the annual summary counts a year by.
INDEXES = [
    ('users', 'full_name'),
    ('action_records', 'created_at_utc'),
    ('learning_items', 'created_at_utc'),
    ('multi_agency_cases', 'created_at_utc'),
    ('case_invitations', 'invited_at_utc'),
    ('agency_returns', 'submitted_at_utc'),
]


def upgrade():
    for table, column in INDEXES:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)


def downgrade():
    for table, column in reversed(INDEXES):
        op.drop_index(f'ix_{table}_{column}', table_name=table)
