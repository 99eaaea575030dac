"""learning panels: agenda, attendees and replies, calendar feed tokens

Going down drops the panels, their agendas, attendees and feed tokens, with their rows.

Revision ID: 0006_panels
Revises: 0005_cases
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_panels'
down_revision = '0005_cases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('revoked_at_utc', sa.DateTime(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feed_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_tokens_token_hash'))
    )
    with op.batch_alter_table('calendar_feed_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at_utc', sa.DateTime(), nullable=False),
    sa.Column('ends_at_utc', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('video_link', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'held', 'cancelled', name='panelstatus', native_enum=False, length=40), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('convened_by_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_at_utc', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at_utc', sa.DateTime(), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('held_recorded_at_utc', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['convened_by_id'], ['users.id'], name=op.f('fk_panels_convened_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panels')),
    sa.UniqueConstraint('uid', name=op.f('uq_panels_uid'))
    )
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panels_convened_by_id'), ['convened_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panels_starts_at_utc'), ['starts_at_utc'], unique=False)
        batch_op.create_index(batch_op.f('ix_panels_status'), ['status'], unique=False)

    op.create_table('panel_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['multi_agency_cases.id'], name=op.f('fk_panel_agenda_items_case_id_multi_agency_cases')),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_agenda_items_panel_id_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_agenda_items')),
    sa.UniqueConstraint('panel_id', 'case_id', name=op.f('uq_panel_agenda_items_panel_id'))
    )
    with op.batch_alter_table('panel_agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_agenda_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_agenda_items_panel_id'), ['panel_id'], unique=False)

    op.create_table('panel_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('chair', 'member', 'observer', 'note_taker', name='attendeerole', native_enum=False, length=40), nullable=False),
    sa.Column('reply', sa.Enum('accepted', 'tentative', 'declined', name='reply', native_enum=False, length=40), nullable=True),
    sa.Column('replied_at_utc', sa.DateTime(), nullable=True),
    sa.Column('invited_at_utc', sa.DateTime(), nullable=True),
    sa.Column('notified_at_utc', sa.DateTime(), nullable=True),
    sa.Column('week_reminder_for_utc', sa.DateTime(), nullable=True),
    sa.Column('day_reminder_for_utc', sa.DateTime(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_attendees_panel_id_panels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_panel_attendees_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_attendees')),
    sa.UniqueConstraint('panel_id', 'user_id', name=op.f('uq_panel_attendees_panel_id'))
    )
    with op.batch_alter_table('panel_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_attendees_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_attendees_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('panel_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_attendees_user_id'))
        batch_op.drop_index(batch_op.f('ix_panel_attendees_panel_id'))

    op.drop_table('panel_attendees')
    with op.batch_alter_table('panel_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_agenda_items_panel_id'))
        batch_op.drop_index(batch_op.f('ix_panel_agenda_items_case_id'))

    op.drop_table('panel_agenda_items')
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panels_status'))
        batch_op.drop_index(batch_op.f('ix_panels_starts_at_utc'))
        batch_op.drop_index(batch_op.f('ix_panels_convened_by_id'))

    op.drop_table('panels')
    with op.batch_alter_table('calendar_feed_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_tokens_user_id'))

    op.drop_table('calendar_feed_tokens')
