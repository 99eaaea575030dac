"""reviews: the review's status stored (kept current by the app) and indexed with the due date,
so open work is found without scanning every review ever received

Going down drops the stored status; nothing is lost (it is derived again on the way up).

Revision ID: 0008_review_status
Revises: 0007_learning
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_review_status'
down_revision = '0007_learning'
branch_labels = None
depends_on = None

STATUS = sa.Enum('awaiting_sample', 'hmpps', 'awaiting_assignment', 'in_progress', 'complete', 'issued',
                 name='reviewstatus', native_enum=False, length=40)
# Open work: the statuses in which a QA report is still owed (reviews.models.AWAITING_REPORT).
AWAITING_REPORT = "status IN ('awaiting_sample', 'awaiting_assignment', 'in_progress', 'complete')"


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', STATUS, nullable=False, server_default='awaiting_sample'))
    # The same rule as Review.derived_status: assurance first, then the assessment's stage.
    op.execute("""
        UPDATE reviews SET status = CASE
          WHEN assurance = 'awaiting_sample' THEN 'awaiting_sample'
          WHEN assurance = 'hmpps' THEN 'hmpps'
          ELSE COALESCE((SELECT CASE assessments.stage WHEN 'draft' THEN 'in_progress'
                                                       WHEN 'complete' THEN 'complete'
                                                       WHEN 'issued' THEN 'issued' END
                         FROM assessments WHERE assessments.review_id = reviews.id), 'awaiting_assignment')
        END
    """)
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None, existing_type=STATUS, existing_nullable=False)
        batch_op.create_index('ix_reviews_status_due_on', ['status', 'due_on'], unique=False)
        batch_op.create_index('ix_reviews_awaiting_report_due_on', ['due_on'], unique=False,
                              sqlite_where=sa.text(AWAITING_REPORT), postgresql_where=sa.text(AWAITING_REPORT))


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_awaiting_report_due_on')
        batch_op.drop_index('ix_reviews_status_due_on')
        batch_op.drop_column('status')
