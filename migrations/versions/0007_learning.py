"""shared learning and action records: learning items compiled from the agencies' learning
points, action records linked to learning and back to the QA rating, and progress updates

Going down drops the learning items and actions, with their rows.

Revision ID: 0007_learning
Revises: 0006_panels
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_learning'
down_revision = '0006_panels'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learning_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('local', 'regional', 'national', 'multi_agency', name='learninglevel', native_enum=False, length=40), nullable=False),
    sa.Column('compiled_by_id', sa.Integer(), nullable=True),
    sa.Column('panel_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['multi_agency_cases.id'], name=op.f('fk_learning_items_case_id_multi_agency_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['compiled_by_id'], ['users.id'], name=op.f('fk_learning_items_compiled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_learning_items_panel_id_panels'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['learning_themes.id'], name=op.f('fk_learning_items_theme_id_learning_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_items'))
    )
    with op.batch_alter_table('learning_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_items_compiled_by_id'), ['compiled_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_items_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_items_theme_id'), ['theme_id'], unique=False)

    op.create_table('action_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('what_will_change', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('local', 'regional', 'national', 'multi_agency', name='learninglevel', native_enum=False, length=40), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('evidence_measure', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', 'completed', 'not_accepted', name='actionstatus', native_enum=False, length=40), nullable=False),
    sa.Column('not_accepted_reason', sa.Text(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('prompt_id', sa.Integer(), nullable=True),
    sa.Column('panel_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reminders_for_due_on', sa.Date(), nullable=True),
    sa.Column('last_reminder_at_utc', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_action_records_assessment_id_assessments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['multi_agency_cases.id'], name=op.f('fk_action_records_case_id_multi_agency_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_action_records_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['organisations.id'], name=op.f('fk_action_records_owner_id_organisations')),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_action_records_panel_id_panels'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_action_records_prompt_id_prompts')),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_action_records_standard_id_standards')),
    sa.ForeignKeyConstraint(['theme_id'], ['learning_themes.id'], name=op.f('fk_action_records_theme_id_learning_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_records'))
    )
    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_records_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_prompt_id'), ['prompt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_standard_id'), ['standard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_records_theme_id'), ['theme_id'], unique=False)

    op.create_table('learning_item_sources',
    sa.Column('learning_item_id', sa.Integer(), nullable=False),
    sa.Column('learning_point_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['learning_item_id'], ['learning_items.id'], name=op.f('fk_learning_item_sources_learning_item_id_learning_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learning_point_id'], ['return_learning_points.id'], name=op.f('fk_learning_item_sources_learning_point_id_return_learning_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learning_item_id', 'learning_point_id', name=op.f('pk_learning_item_sources'))
    )
    with op.batch_alter_table('learning_item_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_item_sources_learning_point_id'), ['learning_point_id'], unique=False)

    op.create_table('action_learning_items',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('learning_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action_records.id'], name=op.f('fk_action_learning_items_action_id_action_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learning_item_id'], ['learning_items.id'], name=op.f('fk_action_learning_items_learning_item_id_learning_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'learning_item_id', name=op.f('pk_action_learning_items'))
    )
    with op.batch_alter_table('action_learning_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_learning_items_learning_item_id'), ['learning_item_id'], unique=False)

    op.create_table('action_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('posted_at_utc', sa.DateTime(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('author_organisation', sa.String(length=200), nullable=False),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('status_before', sa.Enum('open', 'in_progress', 'completed', 'not_accepted', name='actionstatus', native_enum=False, length=40), nullable=True),
    sa.Column('status_after', sa.Enum('open', 'in_progress', 'completed', 'not_accepted', name='actionstatus', native_enum=False, length=40), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['action_records.id'], name=op.f('fk_action_updates_action_id_action_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_action_updates_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_updates'))
    )
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_updates_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_updates_author_id'), ['author_id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_updates_author_id'))
        batch_op.drop_index(batch_op.f('ix_action_updates_action_id'))

    op.drop_table('action_updates')
    with op.batch_alter_table('action_learning_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_learning_items_learning_item_id'))

    op.drop_table('action_learning_items')
    with op.batch_alter_table('learning_item_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_item_sources_learning_point_id'))

    op.drop_table('learning_item_sources')
    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_records_theme_id'))
        batch_op.drop_index(batch_op.f('ix_action_records_status'))
        batch_op.drop_index(batch_op.f('ix_action_records_standard_id'))
        batch_op.drop_index(batch_op.f('ix_action_records_prompt_id'))
        batch_op.drop_index(batch_op.f('ix_action_records_panel_id'))
        batch_op.drop_index(batch_op.f('ix_action_records_owner_id'))
        batch_op.drop_index(batch_op.f('ix_action_records_level'))
        batch_op.drop_index(batch_op.f('ix_action_records_due_on'))
        batch_op.drop_index(batch_op.f('ix_action_records_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_action_records_case_id'))
        batch_op.drop_index(batch_op.f('ix_action_records_assessment_id'))

    op.drop_table('action_records')
    with op.batch_alter_table('learning_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_items_theme_id'))
        batch_op.drop_index(batch_op.f('ix_learning_items_panel_id'))
        batch_op.drop_index(batch_op.f('ix_learning_items_compiled_by_id'))
        batch_op.drop_index(batch_op.f('ix_learning_items_case_id'))

    op.drop_table('learning_items')
