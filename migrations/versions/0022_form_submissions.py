"""form submissions: the one-time token of each create form that has been sent (draft panel,
flagged case, invitations, actions, learning) with the page of what it made, so a double click
or a resent request does not create anything twice (core/submissions.py)

Going down drops the record of sent forms; nothing else is lost (a form sent before then could
be sent once more).

Revision ID: 0022_form_submissions
Revises: 0020_calendar_replies
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_form_submissions'
down_revision = '0020_calendar_replies'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('result_path', sa.String(length=500), nullable=False),
    sa.Column('sent_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
    sa.UniqueConstraint('token', name=op.f('uq_form_submissions_token'))
    )
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submissions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submissions_user_id'))

    op.drop_table('form_submissions')
