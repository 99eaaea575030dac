"""rendered documents: PDFs (panel packs, QA reports) built by the background renderer and
kept per version and recipient, so a download reads a file (core/renders.py)

Going down drops the rendered PDFs; nothing is lost (the renderer builds them again).

Revision ID: 0013_rendered_documents
Revises: 0010_data_generation
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_rendered_documents'
down_revision = '0011_drop_data_generation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rendered_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('queued', 'ready', 'failed', name='renderstatus', native_enum=False, length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('requested_at_utc', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at_utc', sa.DateTime(), nullable=False),
    sa.Column('claimed_until_utc', sa.DateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('rendered_at_utc', sa.DateTime(), nullable=True),
    sa.Column('render_seconds', sa.Float(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_rendered_documents_recipient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rendered_documents')),
    sa.UniqueConstraint('key', name=op.f('uq_rendered_documents_key'))
    )
    with op.batch_alter_table('rendered_documents', schema=None) as batch_op:
        batch_op.create_index('ix_rendered_documents_due', ['status', 'next_attempt_at_utc'], unique=False)
        batch_op.create_index(batch_op.f('ix_rendered_documents_recipient_id'), ['recipient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('rendered_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rendered_documents_recipient_id'))
        batch_op.drop_index('ix_rendered_documents_due')

    op.drop_table('rendered_documents')
