"""cases, network, transitions, human inputs

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 10:18:37.166331
"""

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('config_versions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_config_versions')),
    sa.UniqueConstraint('sha256', name=op.f('uq_config_versions_sha256'))
    )
    op.create_table('organisations',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('parent_code', sa.String(length=64), nullable=True),
    sa.Column('area_code', sa.String(length=20), nullable=True),
    sa.Column('dispute_types', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['organisations.code'], name=op.f('fk_organisations_parent_code_organisations')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_organisations'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_area_code'), ['area_code'], unique=False)

    op.create_table('experts',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('pool_code', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['pool_code'], ['organisations.code'], name=op.f('fk_experts_pool_code_organisations')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_experts'))
    )
    op.create_table('mediators',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('org_code', sa.String(length=64), nullable=False),
    sa.Column('specialties', sa.JSON(), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('full_time', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['org_code'], ['organisations.code'], name=op.f('fk_mediators_org_code_organisations')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_mediators'))
    )
    with op.batch_alter_table('mediators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediators_org_code'), ['org_code'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_no', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('channel_ref', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('declared_type', sa.String(length=40), nullable=True),
    sa.Column('dispute_type', sa.String(length=40), nullable=True),
    sa.Column('people_involved', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('risk', sa.String(length=20), nullable=False),
    sa.Column('path_step', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('org_code', sa.String(length=64), nullable=True),
    sa.Column('mediator_code', sa.String(length=64), nullable=True),
    sa.Column('expert_code', sa.String(length=64), nullable=True),
    sa.Column('opinion_step', sa.Integer(), nullable=True),
    sa.Column('handoff_target', sa.String(length=40), nullable=True),
    sa.Column('config_version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('flow_run_id', sa.String(length=36), nullable=True),
    sa.Column('flow_run_open', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['config_version'], ['config_versions.id'], name=op.f('fk_cases_config_version_config_versions')),
    sa.ForeignKeyConstraint(['expert_code'], ['experts.code'], name=op.f('fk_cases_expert_code_experts')),
    sa.ForeignKeyConstraint(['mediator_code'], ['mediators.code'], name=op.f('fk_cases_mediator_code_mediators')),
    sa.ForeignKeyConstraint(['org_code'], ['organisations.code'], name=op.f('fk_cases_org_code_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_no', name=op.f('uq_cases_case_no')),
    sa.UniqueConstraint('channel', 'channel_ref', name='uq_cases_channel_ref')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_dispute_type'), ['dispute_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('human_inputs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_human_inputs_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_human_inputs')),
    sa.UniqueConstraint('case_id', 'kind', 'round', name='uq_human_inputs_case_kind_round')
    )
    op.create_table('parties',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id_number', sa.String(length=30), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_parties_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parties'))
    )
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parties_case_id'), ['case_id'], unique=False)

    op.create_table('transitions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('org_code', sa.String(length=64), nullable=True),
    sa.Column('rule', sa.String(length=200), nullable=True),
    sa.Column('flow_run_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_transitions_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transitions')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_transitions_case_seq')
    )
    with op.batch_alter_table('transitions', schema=None) as batch_op:
        batch_op.create_index('ix_transitions_at', ['at'], unique=False)


    _forbid_changes_to_transitions()


def _forbid_changes_to_transitions() -> None:
    """The timeline is append-only in the database itself, whatever code connects to it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION fengqiao_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'transitions are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER transitions_append_only BEFORE UPDATE OR DELETE ON transitions "
            "FOR EACH ROW EXECUTE FUNCTION fengqiao_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER transitions_no_{event.lower()} BEFORE {event} ON transitions "
                "BEGIN SELECT RAISE(ABORT, 'transitions are append-only'); END"
            )

def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS transitions_append_only ON transitions")
        op.execute("DROP FUNCTION IF EXISTS fengqiao_append_only()")
    with op.batch_alter_table('transitions', schema=None) as batch_op:
        batch_op.drop_index('ix_transitions_at')

    op.drop_table('transitions')
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parties_case_id'))

    op.drop_table('parties')
    op.drop_table('human_inputs')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_dispute_type'))
        batch_op.drop_index(batch_op.f('ix_cases_area_code'))

    op.drop_table('cases')
    with op.batch_alter_table('mediators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediators_org_code'))

    op.drop_table('mediators')
    op.drop_table('experts')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_area_code'))

    op.drop_table('organisations')
    op.drop_table('config_versions')
