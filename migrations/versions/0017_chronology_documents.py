"""the merged chronology and documents: files kept in the database (in chunks) with their
malware-check status; documents on returns and evidence files on action updates; rows the
Inspectorate adds to a case's chronology, the inspector's links between rows, the people named
for the anonymised view, chronology spreadsheet imports; the agencies' "significant" flag; each
attendee's view of the chronology in the pack and the pack's PDF annexes; whether retention
erases documents; whether completing an action needs an evidence file

Going down drops the documents, evidence files, added chronology rows, decisions, named people, imports, the significant flags and the pack annexes: that data is lost.

Revision ID: 0017_chronology_documents
Revises: 0010_data_generation
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_chronology_documents'
down_revision = '0016_history'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('type_label', sa.String(length=60), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('scan_status', sa.Enum('checking', 'clean', 'infected', 'failed', name='scanstatus', native_enum=False, length=40), nullable=False),
    sa.Column('scan_attempts', sa.Integer(), nullable=False),
    sa.Column('scanned_at_utc', sa.DateTime(), nullable=True),
    sa.Column('scan_detail', sa.Text(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_stored_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files'))
    )
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_files_scan_status'), ['scan_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_files_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    op.create_table('case_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('subject', 'victim', 'child', name='personrole', native_enum=False, length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_case_people_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['multi_agency_cases.id'], name=op.f('fk_case_people_case_id_multi_agency_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_people'))
    )
    with op.batch_alter_table('case_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_people_added_by_id'), ['added_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_people_case_id'), ['case_id'], unique=False)

    op.create_table('chronology_added_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('significance', sa.Text(), nullable=False),
    sa.Column('significant', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_chronology_added_rows_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['multi_agency_cases.id'], name=op.f('fk_chronology_added_rows_case_id_multi_agency_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_chronology_added_rows_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chronology_added_rows'))
    )
    with op.batch_alter_table('chronology_added_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chronology_added_rows_added_by_id'), ['added_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronology_added_rows_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronology_added_rows_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('stored_file_chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_stored_file_chunks_file_id_stored_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file_chunks')),
    sa.UniqueConstraint('file_id', 'position', name=op.f('uq_stored_file_chunks_file_id'))
    )
    op.create_table('chronology_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('imported_at_utc', sa.DateTime(), nullable=True),
    sa.Column('imported_rows', sa.Integer(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['agency_returns.id'], name=op.f('fk_chronology_imports_return_id_agency_returns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_chronology_imports_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chronology_imports'))
    )
    with op.batch_alter_table('chronology_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chronology_imports_return_id'), ['return_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronology_imports_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    op.create_table('return_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_return_documents_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_return_documents_file_id_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['return_id'], ['agency_returns.id'], name=op.f('fk_return_documents_return_id_agency_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_documents'))
    )
    with op.batch_alter_table('return_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_documents_added_by_id'), ['added_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_documents_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_documents_return_id'), ['return_id'], unique=False)

    op.create_table('chronology_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('pair_key', sa.String(length=50), nullable=False),
    sa.Column('first_entry_id', sa.Integer(), nullable=True),
    sa.Column('first_added_id', sa.Integer(), nullable=True),
    sa.Column('second_entry_id', sa.Integer(), nullable=True),
    sa.Column('second_added_id', sa.Integer(), nullable=True),
    sa.Column('same_event', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at_utc', sa.DateTime(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(first_entry_id IS NULL) <> (first_added_id IS NULL)', name=op.f('ck_chronology_decisions_one_first_row')),
    sa.CheckConstraint('(second_entry_id IS NULL) <> (second_added_id IS NULL)', name=op.f('ck_chronology_decisions_one_second_row')),
    sa.ForeignKeyConstraint(['case_id'], ['multi_agency_cases.id'], name=op.f('fk_chronology_decisions_case_id_multi_agency_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_chronology_decisions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_added_id'], ['chronology_added_rows.id'], name=op.f('fk_chronology_decisions_first_added_id_chronology_added_rows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['first_entry_id'], ['return_chronology_entries.id'], name=op.f('fk_chronology_decisions_first_entry_id_return_chronology_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_added_id'], ['chronology_added_rows.id'], name=op.f('fk_chronology_decisions_second_added_id_chronology_added_rows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_entry_id'], ['return_chronology_entries.id'], name=op.f('fk_chronology_decisions_second_entry_id_return_chronology_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chronology_decisions')),
    sa.UniqueConstraint('case_id', 'pair_key', name=op.f('uq_chronology_decisions_case_id'))
    )
    with op.batch_alter_table('chronology_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chronology_decisions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronology_decisions_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronology_decisions_first_added_id'), ['first_added_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronology_decisions_first_entry_id'), ['first_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronology_decisions_second_added_id'), ['second_added_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronology_decisions_second_entry_id'), ['second_entry_id'], unique=False)

    op.create_table('panel_pack_annexes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_panel_pack_annexes_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['return_documents.id'], name=op.f('fk_panel_pack_annexes_document_id_return_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_pack_annexes_panel_id_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_pack_annexes')),
    sa.UniqueConstraint('panel_id', 'document_id', name=op.f('uq_panel_pack_annexes_panel_id'))
    )
    with op.batch_alter_table('panel_pack_annexes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_pack_annexes_added_by_id'), ['added_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_pack_annexes_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_pack_annexes_panel_id'), ['panel_id'], unique=False)

    op.create_table('action_evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_action_evidence_files_file_id_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['update_id'], ['action_updates.id'], name=op.f('fk_action_evidence_files_update_id_action_updates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_evidence_files'))
    )
    with op.batch_alter_table('action_evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_evidence_files_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_evidence_files_update_id'), ['update_id'], unique=False)

    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion_needs_file', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.alter_column('completion_needs_file', server_default=None, existing_type=sa.Boolean(), existing_nullable=False)

    with op.batch_alter_table('case_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erase_documents', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('case_settings', schema=None) as batch_op:
        batch_op.alter_column('erase_documents', server_default=None, existing_type=sa.Boolean(), existing_nullable=False)

    with op.batch_alter_table('panel_attendees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chronology_view', sa.Enum('named', 'anonymised', name='chronologyview', native_enum=False, length=40), nullable=True))

    with op.batch_alter_table('return_chronology_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('significant', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('return_chronology_entries', schema=None) as batch_op:
        batch_op.alter_column('significant', server_default=None, existing_type=sa.Boolean(), existing_nullable=False)



def downgrade():
    with op.batch_alter_table('return_chronology_entries', schema=None) as batch_op:
        batch_op.drop_column('significant')

    with op.batch_alter_table('panel_attendees', schema=None) as batch_op:
        batch_op.drop_column('chronology_view')

    with op.batch_alter_table('case_settings', schema=None) as batch_op:
        batch_op.drop_column('erase_documents')

    with op.batch_alter_table('action_records', schema=None) as batch_op:
        batch_op.drop_column('completion_needs_file')

    with op.batch_alter_table('action_evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_evidence_files_update_id'))
        batch_op.drop_index(batch_op.f('ix_action_evidence_files_file_id'))

    op.drop_table('action_evidence_files')
    with op.batch_alter_table('panel_pack_annexes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_pack_annexes_panel_id'))
        batch_op.drop_index(batch_op.f('ix_panel_pack_annexes_document_id'))
        batch_op.drop_index(batch_op.f('ix_panel_pack_annexes_added_by_id'))

    op.drop_table('panel_pack_annexes')
    with op.batch_alter_table('chronology_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chronology_decisions_second_entry_id'))
        batch_op.drop_index(batch_op.f('ix_chronology_decisions_second_added_id'))
        batch_op.drop_index(batch_op.f('ix_chronology_decisions_first_entry_id'))
        batch_op.drop_index(batch_op.f('ix_chronology_decisions_first_added_id'))
        batch_op.drop_index(batch_op.f('ix_chronology_decisions_decided_by_id'))
        batch_op.drop_index(batch_op.f('ix_chronology_decisions_case_id'))

    op.drop_table('chronology_decisions')
    with op.batch_alter_table('return_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_documents_return_id'))
        batch_op.drop_index(batch_op.f('ix_return_documents_file_id'))
        batch_op.drop_index(batch_op.f('ix_return_documents_added_by_id'))

    op.drop_table('return_documents')
    with op.batch_alter_table('chronology_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chronology_imports_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_chronology_imports_return_id'))

    op.drop_table('chronology_imports')
    op.drop_table('stored_file_chunks')
    with op.batch_alter_table('chronology_added_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chronology_added_rows_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_chronology_added_rows_case_id'))
        batch_op.drop_index(batch_op.f('ix_chronology_added_rows_added_by_id'))

    op.drop_table('chronology_added_rows')
    with op.batch_alter_table('case_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_people_case_id'))
        batch_op.drop_index(batch_op.f('ix_case_people_added_by_id'))

    op.drop_table('case_people')
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_stored_files_scan_status'))

    op.drop_table('stored_files')
