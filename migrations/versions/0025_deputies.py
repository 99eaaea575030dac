"""deputies: an invitee who declines a panel may nominate a deputy from their own organisation,
who is invited in their place; the deputy's attendee row names whom they deputise for

Revision ID: 0025_deputies
Revises: 0024_home
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_deputies"
down_revision = "0024_home"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("panel_attendees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deputy_for_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_panel_attendees_deputy_for_id"), ["deputy_for_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_panel_attendees_deputy_for_id_panel_attendees"),
            "panel_attendees",
            ["deputy_for_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("panel_attendees", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_panel_attendees_deputy_for_id_panel_attendees"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_panel_attendees_deputy_for_id"))
        batch_op.drop_column("deputy_for_id")
