"""notifications: worker leases, attempt times and a stable Message-ID on the outbox

Going down drops the outbox's leases, attempt times and Message-IDs (messages stay).

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
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at_utc', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_until_utc', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('message_id_header', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('message_id_header')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_until_utc')
        batch_op.drop_column('last_attempt_at_utc')
