"""minutes' learning: each agenda item's "learning agreed" carries a theme and a level, and
becomes a piece of shared learning for its case when the minutes are approved, linked to the
minutes item it came from (once: the link is unique)

Revision ID: 0026_minutes_learning
Revises: 0025_deputies
"""
from alembic import op
import sqlalchemy as sa


revision = '0026_minutes_learning'
down_revision = '0025_deputies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('panel_minutes_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('learning_theme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('learning_level', sa.Enum('local', 'regional', 'national', 'multi_agency', name='learninglevel', native_enum=False, length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_panel_minutes_items_learning_theme_id'), ['learning_theme_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_panel_minutes_items_learning_theme_id_learning_themes'), 'learning_themes', ['learning_theme_id'], ['id'])

    with op.batch_alter_table('learning_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes_item_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_learning_items_minutes_item_id'), ['minutes_item_id'], unique=True)
        batch_op.create_foreign_key(batch_op.f('fk_learning_items_minutes_item_id_panel_minutes_items'), 'panel_minutes_items', ['minutes_item_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('learning_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_learning_items_minutes_item_id_panel_minutes_items'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_learning_items_minutes_item_id'))
        batch_op.drop_column('minutes_item_id')

    with op.batch_alter_table('panel_minutes_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_panel_minutes_items_learning_theme_id_learning_themes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_panel_minutes_items_learning_theme_id'))
        batch_op.drop_column('learning_level')
        batch_op.drop_column('learning_theme_id')
