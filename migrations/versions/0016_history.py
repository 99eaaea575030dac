"""history: a review's own timeline (HMPPS notified, due to the Inspectorate, the region's
extension), imported assessors without an account and assessment dates, re-import counts,
and the reporting years whose figures are published

Going down drops the review timeline dates, imported assessor names and assessment dates, re-import counts and the published years: that data is lost.

Revision ID: 0016_history
Revises: 0010_data_generation
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_history'
down_revision = '0013_rendered_documents'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hmpps_notified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_to_inspectorate_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('probation_extension', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('probation_extension_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assessor_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('assessed_on', sa.Date(), nullable=True))
    with op.batch_alter_table('review_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_count', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('published_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('published_at_utc', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_published_years_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_years')),
    sa.UniqueConstraint('start_year', name=op.f('uq_published_years_start_year'))
    )


def downgrade():
    op.drop_table('published_years')
    with op.batch_alter_table('review_imports', schema=None) as batch_op:
        batch_op.drop_column('updated_count')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('assessed_on')
        batch_op.drop_column('assessor_name')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('probation_extension_days')
        batch_op.drop_column('probation_extension')
        batch_op.drop_column('due_to_inspectorate_on')
        batch_op.drop_column('hmpps_notified_on')
