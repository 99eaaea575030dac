"""calendar invitations as iMIP messages and replies that come back: an outbox attachment can be an
inline part of the message's alternatives (the text/calendar part beside the text and HTML bodies),
and an attendee's reply keeps the comment that came with it (from the reply page or a calendar's
own Accept/Decline)

Revision ID: 0020_calendar_replies
Revises: 0018_opened_from_audit
"""

from alembic import op
import sqlalchemy as sa


revision = "0020_calendar_replies"
down_revision = "0018_opened_from_audit"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_attachments") as batch:
        batch.add_column(sa.Column("inline", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("outbox_attachments") as batch:
        batch.alter_column("inline", server_default=None, existing_type=sa.Boolean(), existing_nullable=False)
    with op.batch_alter_table("panel_attendees") as batch:
        batch.add_column(sa.Column("reply_comment", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("panel_attendees") as batch:
        batch.alter_column("reply_comment", server_default=None, existing_type=sa.Text(), existing_nullable=False)


def downgrade():
    with op.batch_alter_table("panel_attendees") as batch:
        batch.drop_column("reply_comment")
    with op.batch_alter_table("outbox_attachments") as batch:
        batch.drop_column("inline")
