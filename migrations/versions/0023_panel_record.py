"""the panel's own record and actions seen through to impact: an action is proposed to its
owner, who accepts it, proposes a change (the inspector agrees or not) or declines it; completing
it puts it awaiting the inspector's sign-off; a signed-off action carries an impact review date
and the impact recorded. Existing actions move across: open becomes accepted, completed becomes
signed off (on the day it was completed, impact review a year later), not accepted becomes
declined; every timeline entry so far is a progress update. The attendance register: each
invitee present, sent apologies, represented by a named deputy, or absent (who "attended" before
is present, who did not is absent), and people who came without an invitation. The panel's
minutes (per agenda item, any other business), circulated for comments and approved. Each
organisation's senior contact, to whom overdue actions are escalated once per step. The
panel's decisions log (each decision about an agenda item, by whom, with which agencies'
agreement), and the decision an action carries out. Guests invited by name and email, without
an account.

Revision ID: 0023_panel_record
Revises: 0022_form_submissions
"""
from alembic import op
import sqlalchemy as sa


revision = '0023_panel_record'
down_revision = '0022_form_submissions'
branch_labels = None
depends_on = None

# Old status value -> new, for actions and their timelines (and back, on the way down).
STATUS_UP = {'open': 'accepted', 'completed': 'signed_off', 'not_accepted': 'declined'}
STATUS_DOWN = {
    'proposed': 'open',
    'change_proposed': 'open',
    'accepted': 'open',
    'awaiting_sign_off': 'in_progress',
    'signed_off': 'completed',
    'declined': 'not_accepted',
}

actions = sa.table(
    'action_records',
    sa.column('id', sa.Integer()),
    sa.column('status', sa.String()),
    sa.column('completed_on', sa.Date()),
    sa.column('signed_off_on', sa.Date()),
    sa.column('impact_review_on', sa.Date()),
)
updates = sa.table(
    'action_updates',
    sa.column('status_before', sa.String()),
    sa.column('status_after', sa.String()),
)


def _recode(mapping):
    bind = op.get_bind()
    for old, new in mapping.items():
        bind.execute(actions.update().where(actions.c.status == old).values(status=new))
        for column in ('status_before', 'status_after'):
            bind.execute(updates.update().where(updates.c[column] == old).values({column: new}))


attendees = sa.table(
    'panel_attendees',
    sa.column('attended', sa.Boolean()),
    sa.column('attendance', sa.String()),
)


def upgrade():
    op.create_table('panel_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'circulated', 'approved', name='minutesstatus', native_enum=False, length=40), nullable=False),
    sa.Column('any_other_business', sa.Text(), nullable=False),
    sa.Column('comments_by', sa.Date(), nullable=True),
    sa.Column('last_saved_by_id', sa.Integer(), nullable=True),
    sa.Column('circulated_at_utc', sa.DateTime(), nullable=True),
    sa.Column('approved_at_utc', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_panel_minutes_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_saved_by_id'], ['users.id'], name=op.f('fk_panel_minutes_last_saved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_minutes_panel_id_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_minutes'))
    )
    with op.batch_alter_table('panel_minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_minutes_approved_by_id'), ['approved_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_minutes_last_saved_by_id'), ['last_saved_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_minutes_panel_id'), ['panel_id'], unique=True)

    op.create_table('panel_minutes_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('discussion', sa.Text(), nullable=False),
    sa.Column('key_findings', sa.Text(), nullable=False),
    sa.Column('learning_agreed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['panel_agenda_items.id'], name=op.f('fk_panel_minutes_items_agenda_item_id_panel_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['minutes_id'], ['panel_minutes.id'], name=op.f('fk_panel_minutes_items_minutes_id_panel_minutes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_minutes_items')),
    sa.UniqueConstraint('minutes_id', 'agenda_item_id', name=op.f('uq_panel_minutes_items_minutes_id'))
    )
    with op.batch_alter_table('panel_minutes_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_minutes_items_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_minutes_items_minutes_id'), ['minutes_id'], unique=False)

    op.create_table('panel_minutes_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('author_organisation', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('posted_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_panel_minutes_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['minutes_id'], ['panel_minutes.id'], name=op.f('fk_panel_minutes_comments_minutes_id_panel_minutes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_minutes_comments'))
    )
    with op.batch_alter_table('panel_minutes_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_minutes_comments_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_minutes_comments_minutes_id'), ['minutes_id'], unique=False)

    op.create_table('panel_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['panel_agenda_items.id'], name=op.f('fk_panel_decisions_agenda_item_id_panel_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_decisions_panel_id_panels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_panel_decisions_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_decisions'))
    )
    with op.batch_alter_table('panel_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_decisions_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_decisions_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_decisions_recorded_by_id'), ['recorded_by_id'], unique=False)

    op.create_table('panel_decision_agencies',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['panel_decisions.id'], name=op.f('fk_panel_decision_agencies_decision_id_panel_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_panel_decision_agencies_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('decision_id', 'organisation_id', name=op.f('pk_panel_decision_agencies'))
    )
    with op.batch_alter_table('panel_decision_agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_decision_agencies_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('panel_guests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('role', sa.Enum('chair', 'member', 'observer', 'note_taker', name='attendeerole', native_enum=False, length=40), nullable=False),
    sa.Column('invited_at_utc', sa.DateTime(), nullable=True),
    sa.Column('notified_at_utc', sa.DateTime(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_panel_guests_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_guests_panel_id_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_guests')),
    sa.UniqueConstraint('panel_id', 'email', name=op.f('uq_panel_guests_panel_id'))
    )
    with op.batch_alter_table('panel_guests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_guests_added_by_id'), ['added_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_guests_panel_id'), ['panel_id'], unique=False)

    op.create_table('panel_walk_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_panel_walk_ins_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_panel_walk_ins_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_walk_ins_panel_id_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_walk_ins'))
    )
    with op.batch_alter_table('panel_walk_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_walk_ins_added_by_id'), ['added_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_walk_ins_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_walk_ins_panel_id'), ['panel_id'], unique=False)

    with op.batch_alter_table('panel_attendees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance', sa.Enum('present', 'apologies', 'deputy', 'absent', name='attendance', native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('deputy_name', sa.String(length=200), nullable=False, server_default=''))
    bind = op.get_bind()
    bind.execute(attendees.update().where(attendees.c.attended.is_(True)).values(attendance='present'))
    bind.execute(attendees.update().where(attendees.c.attended.is_(False)).values(attendance='absent'))
    with op.batch_alter_table('panel_attendees', schema=None) as batch_op:
        batch_op.alter_column('deputy_name', server_default=None)
        batch_op.drop_column('attended')

    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_what_will_change', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('proposed_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('change_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('signed_off_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('signed_off_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('impact_review_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('impact', sa.Enum('achieved', 'partly', 'not_achieved', name='actionimpact', native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('impact_recorded_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('impact_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('impact_asked_for', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('escalation_step', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('escalated_for_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_action_records_decision_id'), ['decision_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_action_records_decision_id_panel_decisions'), 'panel_decisions', ['decision_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_action_records_signed_off_by_id'), ['signed_off_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_impact_review_on'), ['impact_review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_impact'), ['impact'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_impact_recorded_by_id'), ['impact_recorded_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_action_records_signed_off_by_id_users'), 'users', ['signed_off_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_action_records_impact_recorded_by_id_users'), 'users', ['impact_recorded_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.alter_column('escalation_step', server_default=None)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('senior_contact_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('senior_contact_email', sa.String(length=320), nullable=True))

    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event', sa.Enum('update', 'accept', 'propose_change', 'agree_change', 'refuse_change', 'decline', 'complete', 'sign_off', 'return', 'reopen', 'set_impact_date', 'impact_evidence', 'record_impact', name='actionevent', native_enum=False, length=40), nullable=False, server_default='update'))
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.alter_column('event', server_default=None)

    _recode(STATUS_UP)
    bind = op.get_bind()
    for action_id, completed_on in bind.execute(
        sa.select(actions.c.id, actions.c.completed_on).where(actions.c.status == 'signed_off', actions.c.completed_on.is_not(None))
    ).all():
        try:
            review_on = completed_on.replace(year=completed_on.year + 1)
        except ValueError:  # 29 February
            review_on = completed_on.replace(year=completed_on.year + 1, day=28)
        bind.execute(actions.update().where(actions.c.id == action_id).values(signed_off_on=completed_on, impact_review_on=review_on))


def downgrade():
    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_action_records_decision_id_panel_decisions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_action_records_decision_id'))
        batch_op.drop_column('decision_id')
    with op.batch_alter_table('panel_attendees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attended', sa.Boolean(), nullable=True))
    bind = op.get_bind()
    bind.execute(attendees.update().where(attendees.c.attendance == 'present').values(attended=True))
    bind.execute(attendees.update().where(attendees.c.attendance.in_(('absent', 'apologies', 'deputy'))).values(attended=False))
    with op.batch_alter_table('panel_attendees', schema=None) as batch_op:
        batch_op.drop_column('deputy_name')
        batch_op.drop_column('attendance')
    with op.batch_alter_table('panel_walk_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_walk_ins_panel_id'))
        batch_op.drop_index(batch_op.f('ix_panel_walk_ins_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_panel_walk_ins_added_by_id'))
    op.drop_table('panel_walk_ins')
    with op.batch_alter_table('panel_guests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_guests_panel_id'))
        batch_op.drop_index(batch_op.f('ix_panel_guests_added_by_id'))
    op.drop_table('panel_guests')
    with op.batch_alter_table('panel_decision_agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_decision_agencies_organisation_id'))
    op.drop_table('panel_decision_agencies')
    with op.batch_alter_table('panel_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_decisions_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_panel_decisions_panel_id'))
        batch_op.drop_index(batch_op.f('ix_panel_decisions_agenda_item_id'))
    op.drop_table('panel_decisions')
    for table, indexes in (
        ('panel_minutes_comments', ('ix_panel_minutes_comments_minutes_id', 'ix_panel_minutes_comments_author_id')),
        ('panel_minutes_items', ('ix_panel_minutes_items_minutes_id', 'ix_panel_minutes_items_agenda_item_id')),
        ('panel_minutes', ('ix_panel_minutes_panel_id', 'ix_panel_minutes_last_saved_by_id', 'ix_panel_minutes_approved_by_id')),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)

    _recode(STATUS_DOWN)
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.drop_column('event')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('senior_contact_email')
        batch_op.drop_column('senior_contact_name')

    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_action_records_impact_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_action_records_signed_off_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_action_records_impact_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_action_records_impact'))
        batch_op.drop_index(batch_op.f('ix_action_records_impact_review_on'))
        batch_op.drop_index(batch_op.f('ix_action_records_signed_off_by_id'))
        batch_op.drop_column('escalated_for_due_on')
        batch_op.drop_column('escalation_step')
        batch_op.drop_column('impact_asked_for')
        batch_op.drop_column('impact_recorded_by_id')
        batch_op.drop_column('impact_recorded_on')
        batch_op.drop_column('impact')
        batch_op.drop_column('impact_review_on')
        batch_op.drop_column('signed_off_by_id')
        batch_op.drop_column('signed_off_on')
        batch_op.drop_column('change_reason')
        batch_op.drop_column('proposed_due_on')
        batch_op.drop_column('proposed_what_will_change')
