"""Initial logbook schema: rosters, accounts, missions, sorties with revisions, audit, the counter.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Times are ``timestamp with time zone`` on PostgreSQL (UTC); SQLite stores them as UTC text. The
single counter row (id 1, count 0) is created here so that taking a number can always lock it.
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aircraft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration', sa.String(length=40), nullable=False),
    sa.Column('type_name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('helicopter', 'drone', 'fixed_wing')", name='ck_aircraft_kind'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('registration')
    )
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('crew', 'commander', 'analyst', 'admin')", name='ck_user_role'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_entry_at'), 'audit_entry', ['at'], unique=False)
    op.create_table('mission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_number', sa.String(length=40), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('ipp_lat', sa.Float(), nullable=True),
    sa.Column('ipp_lon', sa.Float(), nullable=True),
    sa.Column('ipp_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('area', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('find_lat', sa.Float(), nullable=True),
    sa.Column('find_lon', sa.Float(), nullable=True),
    sa.Column('find_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('found_alive', 'found_deceased', 'self_rescued', 'not_found')",
                       name='ck_mission_outcome'),
    sa.CheckConstraint("status IN ('open', 'closed')", name='ck_mission_status'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_number')
    )
    op.create_table('sortie_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.Column('opening_count', sa.Integer(), nullable=False),
    sa.Column('opening_seconds', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name='ck_sortie_counter_single_row'),
    sa.PrimaryKeyConstraint('id')
    )
    counter = sa.table('sortie_counter', sa.column('id', sa.Integer), sa.column('last_number', sa.Integer),
                       sa.column('opening_count', sa.Integer), sa.column('opening_seconds', sa.Integer))
    op.bulk_insert(counter, [{'id': 1, 'last_number': 0, 'opening_count': 0, 'opening_seconds': 0}])
    op.create_table('crew_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('sortie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('task_type', sa.String(length=12), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=True),
    sa.Column('aircraft_id', sa.Integer(), nullable=False),
    sa.Column('takeoff_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('landing_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('takeoff_site', sa.String(length=120), nullable=False),
    sa.Column('landing_site', sa.String(length=120), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=True),
    sa.Column('track', sa.JSON(), nullable=True),
    sa.Column('area_covered_m2', sa.Float(), nullable=True),
    sa.Column('pod', sa.Float(), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'returned', 'approved', 'historical')",
                       name='ck_sortie_status'),
    sa.CheckConstraint("task_type IN ('search', 'rescue', 'training', 'patrol', 'transfer', 'test', 'other')",
                       name='ck_sortie_task_type'),
    sa.CheckConstraint('landing_at > takeoff_at', name='ck_sortie_landing_after_takeoff'),
    sa.CheckConstraint('number > 0', name='ck_sortie_number_positive'),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_index(op.f('ix_sortie_aircraft_id'), 'sortie', ['aircraft_id'], unique=False)
    op.create_index(op.f('ix_sortie_takeoff_at'), 'sortie', ['takeoff_at'], unique=False)
    op.create_table('sortie_crew',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sortie_id', sa.Integer(), nullable=False),
    sa.Column('crew_member_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('pilot', 'copilot', 'observer', 'sensor_operator', 'winch_operator', 'medic')",
                       name='ck_sortie_crew_role'),
    sa.ForeignKeyConstraint(['crew_member_id'], ['crew_member.id'], ),
    sa.ForeignKeyConstraint(['sortie_id'], ['sortie.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sortie_id', 'crew_member_id', name='uq_sortie_crew_person')
    )
    op.create_index(op.f('ix_sortie_crew_crew_member_id'), 'sortie_crew', ['crew_member_id'], unique=False)
    op.create_index(op.f('ix_sortie_crew_sortie_id'), 'sortie_crew', ['sortie_id'], unique=False)
    op.create_table('sortie_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sortie_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['sortie_id'], ['sortie.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sortie_id', 'revision', name='uq_sortie_revision')
    )
    op.create_index(op.f('ix_sortie_revision_sortie_id'), 'sortie_revision', ['sortie_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sortie_revision_sortie_id'), table_name='sortie_revision')
    op.drop_table('sortie_revision')
    op.drop_index(op.f('ix_sortie_crew_sortie_id'), table_name='sortie_crew')
    op.drop_index(op.f('ix_sortie_crew_crew_member_id'), table_name='sortie_crew')
    op.drop_table('sortie_crew')
    op.drop_index(op.f('ix_sortie_takeoff_at'), table_name='sortie')
    op.drop_index(op.f('ix_sortie_aircraft_id'), table_name='sortie')
    op.drop_table('sortie')
    op.drop_table('crew_member')
    op.drop_table('sortie_counter')
    op.drop_table('mission')
    op.drop_index(op.f('ix_audit_entry_at'), table_name='audit_entry')
    op.drop_table('audit_entry')
    op.drop_table('app_user')
    op.drop_table('aircraft')
