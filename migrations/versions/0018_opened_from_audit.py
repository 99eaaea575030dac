"""the "opened" receipt of a case request comes from the audit trail: looking at a request (a GET)
writes only its read audit, so case_invitations.first_opened_at_utc goes; receipts recorded in it
are carried into the audit trail first

Going down brings the column back, filled from the audit trail; no data is lost.

Revision ID: 0018_opened_from_audit
Revises: 0010_data_generation
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_opened_from_audit'
down_revision = '0017_chronology_documents'
branch_labels = None
depends_on = None

# The read audit that is the receipt (cases/models.py, CaseInvitation.first_opened_at_utc).
ACTION = 'read.case_request'
OBJECT_TYPE = 'CaseInvitation'

invitations = sa.table(
    'case_invitations',
    sa.column('id', sa.Integer()),
    sa.column('organisation_id', sa.Integer()),
    sa.column('first_opened_at_utc', sa.DateTime()),
)
organisations = sa.table('organisations', sa.column('id', sa.Integer()), sa.column('name', sa.String()))
audit_events = sa.table(
    'audit_events',
    sa.column('occurred_at_utc', sa.DateTime()),
    sa.column('action', sa.String()),
    sa.column('object_type', sa.String()),
    sa.column('object_id', sa.String()),
    sa.column('summary', sa.String()),
    sa.column('details', sa.JSON()),
)


def upgrade():
    bind = op.get_bind()
    already = set(
        bind.execute(
            sa.select(audit_events.c.object_id).where(
                audit_events.c.action == ACTION, audit_events.c.object_type == OBJECT_TYPE
            )
        ).scalars()
    )
    opened = bind.execute(
        sa.select(invitations.c.id, invitations.c.first_opened_at_utc, organisations.c.name)
        .join(organisations, organisations.c.id == invitations.c.organisation_id)
        .where(invitations.c.first_opened_at_utc.is_not(None))
    ).all()
    rows = [
        {
            'occurred_at_utc': opened_at,
            'action': ACTION,
            'object_type': OBJECT_TYPE,
            'object_id': str(invitation_id),
            'summary': f'{name} opened the request',
            'details': {'organisation': name, 'carried_over': True},
        }
        for invitation_id, opened_at, name in opened
        if str(invitation_id) not in already
    ]
    if rows:
        op.bulk_insert(audit_events, rows)
    with op.batch_alter_table('case_invitations', schema=None) as batch_op:
        batch_op.drop_column('first_opened_at_utc')


def downgrade():
    with op.batch_alter_table('case_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_opened_at_utc', sa.DateTime(), nullable=True))
    first_receipt = (
        sa.select(sa.func.min(audit_events.c.occurred_at_utc))
        .where(
            audit_events.c.action == ACTION,
            audit_events.c.object_type == OBJECT_TYPE,
            audit_events.c.object_id == sa.cast(invitations.c.id, sa.String()),
        )
        .scalar_subquery()
    )
    op.execute(invitations.update().values(first_opened_at_utc=first_receipt))
