"""held forms: what someone typed into a form sent after their session ended, kept for 30
minutes for that person alone, so the form opens with it after they sign in again
(core/held_forms.py)

Revision ID: 0024_home
Revises: 0023_panel_record
"""
from alembic import op
import sqlalchemy as sa


revision = '0024_home'
down_revision = '0023_panel_record'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('held_at_utc', sa.DateTime(), nullable=False),
    sa.Column('expires_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_held_forms_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_forms'))
    )
    with op.batch_alter_table('held_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_forms_expires_at_utc'), ['expires_at_utc'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_forms_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('held_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_forms_user_id'))
        batch_op.drop_index(batch_op.f('ix_held_forms_expires_at_utc'))

    op.drop_table('held_forms')
