"""reviews: the review register, extensions, CSV imports, sample draws, the QA standards
(versioned data) and the QA assessments with their standard ratings and prompt answers

Going down drops the reviews, their imports, sample draws, standards and assessments, with their rows.

Revision ID: 0004_reviews
Revises: 0003_security
Create Date: 2026-11-26 06:30:10.965126

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_reviews'
down_revision = '0003_security'
branch_labels = None
depends_on = None

TABLES = ['offence_categories', 'reviews', 'review_extensions', 'review_imports', 'sample_draws', 'sample_draw_entries', 'standards_versions', 'standards', 'key_questions', 'prompts', 'assessments', 'standard_ratings', 'prompt_answers']


def upgrade():
    op.create_table('offence_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offence_categories')),
    sa.UniqueConstraint('name', name=op.f('uq_offence_categories_name'))
    )

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=13), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('offence_category_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('offence_on', sa.Date(), nullable=True),
    sa.Column('charged_on', sa.Date(), nullable=True),
    sa.Column('author_role', sa.String(length=200), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('assurance', sa.Enum('awaiting_sample', 'inspectorate', 'hmpps', name='assurance', native_enum=False, length=40), nullable=False),
    sa.Column('target_due_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['offence_category_id'], ['offence_categories.id'], name=op.f('fk_reviews_offence_category_id_offence_categories')),
    sa.ForeignKeyConstraint(['region_id'], ['organisations.id'], name=op.f('fk_reviews_region_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('reference', name=op.f('uq_reviews_reference'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_assurance'), ['assurance'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_offence_category_id'), ['offence_category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_received_on'), ['received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_region_id'), ['region_id'], unique=False)

    op.create_table('review_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('previous_due_on', sa.Date(), nullable=False),
    sa.Column('new_due_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_review_extensions_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_extensions_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_extensions'))
    )
    with op.batch_alter_table('review_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_extensions_review_id'), ['review_id'], unique=False)

    op.create_table('review_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('previewed', 'imported', name='importstatus', native_enum=False, length=40), nullable=False),
    sa.Column('imported_at_utc', sa.DateTime(), nullable=True),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_review_imports_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_imports'))
    )
    with op.batch_alter_table('review_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_imports_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    op.create_table('sample_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('drawn_at_utc', sa.DateTime(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('share_percent', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('population_size', sa.Integer(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_sample_draws_drawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_draws'))
    )
    with op.batch_alter_table('sample_draws', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_draws_drawn_by_id'), ['drawn_by_id'], unique=False)

    op.create_table('sample_draw_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('region_name', sa.String(length=200), nullable=False),
    sa.Column('category_name', sa.String(length=120), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('pick_order', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('explanation', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['draw_id'], ['sample_draws.id'], name=op.f('fk_sample_draw_entries_draw_id_sample_draws'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_sample_draw_entries_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_draw_entries')),
    sa.UniqueConstraint('review_id', name=op.f('uq_sample_draw_entries_review_id'))
    )
    with op.batch_alter_table('sample_draw_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_draw_entries_draw_id'), ['draw_id'], unique=False)

    op.create_table('standards_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('draft', 'current', 'retired', name='standardsversionstatus', native_enum=False, length=40), nullable=False),
    sa.Column('copied_from_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at_utc', sa.DateTime(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['copied_from_id'], ['standards_versions.id'], name=op.f('fk_standards_versions_copied_from_id_standards_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_standards_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standards_versions')),
    sa.UniqueConstraint('name', name=op.f('uq_standards_versions_name'))
    )
    with op.batch_alter_table('standards_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standards_versions_status'), ['status'], unique=False)

    op.create_table('standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['standards_versions.id'], name=op.f('fk_standards_version_id_standards_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standards')),
    sa.UniqueConstraint('version_id', 'number', name='uq_standards_version_id_number')
    )
    with op.batch_alter_table('standards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standards_version_id'), ['version_id'], unique=False)

    op.create_table('key_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_key_questions_standard_id_standards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_questions'))
    )
    with op.batch_alter_table('key_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_questions_standard_id'), ['standard_id'], unique=False)

    op.create_table('prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_question_id', sa.Integer(), nullable=False),
    sa.Column('letter', sa.String(length=2), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['key_question_id'], ['key_questions.id'], name=op.f('fk_prompts_key_question_id_key_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompts'))
    )
    with op.batch_alter_table('prompts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompts_key_question_id'), ['key_question_id'], unique=False)

    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('standards_version_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.Enum('draft', 'complete', 'issued', name='assessmentstage', native_enum=False, length=40), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('assigned_at_utc', sa.DateTime(), nullable=True),
    sa.Column('last_saved_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_at_utc', sa.DateTime(), nullable=True),
    sa.Column('issued_at_utc', sa.DateTime(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_assessments_assessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_assessments_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_saved_by_id'], ['users.id'], name=op.f('fk_assessments_last_saved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_assessments_review_id_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standards_version_id'], ['standards_versions.id'], name=op.f('fk_assessments_standards_version_id_standards_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('review_id', name=op.f('uq_assessments_review_id'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_standards_version_id'), ['standards_version_id'], unique=False)

    op.create_table('standard_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.CheckConstraint('score IS NULL OR (score >= 0 AND score <= 3)', name=op.f('ck_standard_ratings_score_range')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_standard_ratings_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_standard_ratings_standard_id_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_ratings')),
    sa.UniqueConstraint('assessment_id', 'standard_id', name='uq_standard_ratings_assessment_id_standard_id')
    )
    with op.batch_alter_table('standard_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_ratings_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_ratings_standard_id'), ['standard_id'], unique=False)

    op.create_table('prompt_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('prompt_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Enum('yes', 'partly', 'no', 'not_applicable', name='answer', native_enum=False, length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_prompt_answers_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_prompt_answers_prompt_id_prompts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_answers')),
    sa.UniqueConstraint('assessment_id', 'prompt_id', name='uq_prompt_answers_assessment_id_prompt_id')
    )
    with op.batch_alter_table('prompt_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_answers_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_answers_prompt_id'), ['prompt_id'], unique=False)


def downgrade():
    # Dropping a table drops its indexes on SQLite and PostgreSQL alike.
    for table in reversed(TABLES):
        op.drop_table(table)
