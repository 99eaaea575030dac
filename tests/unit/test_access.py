"""The access predicates and finders, called directly."""

from agencies import access
from agencies.models import OrganisationKind, Role
from tests.conftest import make_organisation, make_user


def test_roles_map_to_permissions() -> None:
    admin = make_user(Role.ADMIN)
    inspector = make_user(Role.INSPECTOR)
    member = make_user(Role.AGENCY_MEMBER)

    assert access.is_admin(admin) and not access.is_admin(inspector) and not access.is_admin(member)
    assert access.is_inspector(inspector) and access.is_inspector(admin) and not access.is_inspector(member)
    assert access.is_agency_member(member) and not access.is_agency_member(inspector)
    assert access.is_inspectorate_staff(admin) and not access.is_inspectorate_staff(member)


def test_an_inspector_role_outside_the_inspectorate_grants_nothing() -> None:
    # Defence in depth: even if data were wrong, the organisation must be the Inspectorate.
    police = make_organisation(OrganisationKind.POLICE)
    misfiled = make_user(Role.INSPECTOR, police)
    assert not access.is_inspector(misfiled)


def test_admin_finders_return_nothing_to_non_admins() -> None:
    admin = make_user(Role.ADMIN)
    member = make_user(Role.AGENCY_MEMBER)
    assert access.person_for_admin(admin, member.id) == member
    assert access.person_for_admin(member, admin.id) is None
    assert access.organisation_for_admin(admin, member.organisation_id) == member.organisation
    assert access.organisation_for_admin(member, member.organisation_id) is None
    assert access.person_for_admin(admin, 999_999) is None


def test_belongs_to() -> None:
    member = make_user(Role.AGENCY_MEMBER)
    assert access.belongs_to(member, member.organisation_id)
    assert not access.belongs_to(member, member.organisation_id + 1)
    assert not access.belongs_to(member, None)
