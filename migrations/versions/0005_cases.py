"""multi-agency cases, invitations, agency returns, learning themes and the retention setting

Going down drops the cases, invitations, returns and themes, with their rows.

Revision ID: 0005_cases
Revises: 0004_reviews
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_cases'
down_revision = '0004_reviews'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learning_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_themes')),
    sa.UniqueConstraint('name', name=op.f('uq_learning_themes_name'))
    )
    op.create_table('case_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retention_months', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_case_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_settings'))
    )
    with op.batch_alter_table('case_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_settings_updated_by_id'), ['updated_by_id'], unique=False)

    op.create_table('multi_agency_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reply_by', sa.Date(), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('other_identifiers', sa.Text(), nullable=True),
    sa.Column('identifiers_erased_at_utc', sa.DateTime(), nullable=True),
    sa.Column('supervision_started_on', sa.Date(), nullable=True),
    sa.Column('supervision_ended_on', sa.Date(), nullable=True),
    sa.Column('offence_on', sa.Date(), nullable=True),
    sa.Column('offence_category_id', sa.Integer(), nullable=False),
    sa.Column('partner_summary', sa.Text(), nullable=False),
    sa.Column('flagged_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_multi_agency_cases_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['flagged_by_id'], ['users.id'], name=op.f('fk_multi_agency_cases_flagged_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offence_category_id'], ['offence_categories.id'], name=op.f('fk_multi_agency_cases_offence_category_id_offence_categories')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_multi_agency_cases_review_id_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_multi_agency_cases')),
    sa.UniqueConstraint('review_id', name=op.f('uq_multi_agency_cases_review_id'))
    )
    with op.batch_alter_table('multi_agency_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_multi_agency_cases_closed_by_id'), ['closed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_multi_agency_cases_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_multi_agency_cases_flagged_by_id'), ['flagged_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_multi_agency_cases_offence_category_id'), ['offence_category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_multi_agency_cases_reply_by'), ['reply_by'], unique=False)

    op.create_table('case_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('invited_at_utc', sa.DateTime(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('first_opened_at_utc', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at_utc', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.Column('due_soon_reminder_sent_at_utc', sa.DateTime(), nullable=True),
    sa.Column('overdue_reminder_sent_at_utc', sa.DateTime(), nullable=True),
    sa.Column('last_manual_reminder_at_utc', sa.DateTime(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['multi_agency_cases.id'], name=op.f('fk_case_invitations_case_id_multi_agency_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_case_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_case_invitations_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_case_invitations_withdrawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_invitations')),
    sa.UniqueConstraint('case_id', 'organisation_id', name=op.f('uq_case_invitations_case_id'))
    )
    with op.batch_alter_table('case_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_invitations_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_invitations_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_invitations_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_invitations_withdrawn_by_id'), ['withdrawn_by_id'], unique=False)

    op.create_table('agency_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='returnstatus', native_enum=False, length=40), nullable=False),
    sa.Column('involvement', sa.Enum('involved', 'not_involved', 'still_checking', name='involvement', native_enum=False, length=40), nullable=True),
    sa.Column('involvement_confirmed_at_utc', sa.DateTime(), nullable=True),
    sa.Column('contact_started_on', sa.Date(), nullable=True),
    sa.Column('contact_ended_on', sa.Date(), nullable=True),
    sa.Column('involvement_nature', sa.Text(), nullable=False),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('author_role', sa.String(length=200), nullable=False),
    sa.Column('author_involved', sa.Boolean(), nullable=True),
    sa.Column('records_reviewed', sa.Text(), nullable=False),
    sa.Column('records_secured_on', sa.Date(), nullable=True),
    sa.Column('what_went_well', sa.Text(), nullable=False),
    sa.Column('missed_opportunities', sa.Text(), nullable=False),
    sa.Column('underpinning_reasons', sa.JSON(), nullable=False),
    sa.Column('underpinning_detail', sa.Text(), nullable=False),
    sa.Column('good_practice', sa.Text(), nullable=False),
    sa.Column('recommendations', sa.Text(), nullable=False),
    sa.Column('findings_saved_at_utc', sa.DateTime(), nullable=True),
    sa.Column('last_saved_at_utc', sa.DateTime(), nullable=True),
    sa.Column('last_saved_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at_utc', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened_at_utc', sa.DateTime(), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['case_invitations.id'], name=op.f('fk_agency_returns_invitation_id_case_invitations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['last_saved_by_id'], ['users.id'], name=op.f('fk_agency_returns_last_saved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['users.id'], name=op.f('fk_agency_returns_reopened_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_agency_returns_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_returns')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_agency_returns_invitation_id'))
    )
    with op.batch_alter_table('agency_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_returns_last_saved_by_id'), ['last_saved_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_returns_reopened_by_id'), ['reopened_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_returns_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_returns_submitted_by_id'), ['submitted_by_id'], unique=False)

    op.create_table('return_chronology_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=True),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('significance', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['agency_returns.id'], name=op.f('fk_return_chronology_entries_return_id_agency_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_chronology_entries'))
    )
    with op.batch_alter_table('return_chronology_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_chronology_entries_return_id'), ['return_id'], unique=False)

    op.create_table('return_learning_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Enum('local', 'regional', 'national', 'multi_agency', name='learninglevel', native_enum=False, length=40), nullable=True),
    sa.ForeignKeyConstraint(['return_id'], ['agency_returns.id'], name=op.f('fk_return_learning_points_return_id_agency_returns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['learning_themes.id'], name=op.f('fk_return_learning_points_theme_id_learning_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_learning_points'))
    )
    with op.batch_alter_table('return_learning_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_learning_points_return_id'), ['return_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_learning_points_theme_id'), ['theme_id'], unique=False)



def downgrade():
    with op.batch_alter_table('return_learning_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_learning_points_theme_id'))
        batch_op.drop_index(batch_op.f('ix_return_learning_points_return_id'))

    op.drop_table('return_learning_points')
    with op.batch_alter_table('return_chronology_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_chronology_entries_return_id'))

    op.drop_table('return_chronology_entries')
    with op.batch_alter_table('agency_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_returns_submitted_by_id'))
        batch_op.drop_index(batch_op.f('ix_agency_returns_status'))
        batch_op.drop_index(batch_op.f('ix_agency_returns_reopened_by_id'))
        batch_op.drop_index(batch_op.f('ix_agency_returns_last_saved_by_id'))

    op.drop_table('agency_returns')
    with op.batch_alter_table('case_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_invitations_withdrawn_by_id'))
        batch_op.drop_index(batch_op.f('ix_case_invitations_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_case_invitations_invited_by_id'))
        batch_op.drop_index(batch_op.f('ix_case_invitations_case_id'))

    op.drop_table('case_invitations')
    with op.batch_alter_table('multi_agency_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_multi_agency_cases_reply_by'))
        batch_op.drop_index(batch_op.f('ix_multi_agency_cases_offence_category_id'))
        batch_op.drop_index(batch_op.f('ix_multi_agency_cases_flagged_by_id'))
        batch_op.drop_index(batch_op.f('ix_multi_agency_cases_closed_on'))
        batch_op.drop_index(batch_op.f('ix_multi_agency_cases_closed_by_id'))

    op.drop_table('multi_agency_cases')
    with op.batch_alter_table('case_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_settings_updated_by_id'))

    op.drop_table('case_settings')
    op.drop_table('learning_themes')
