"""The account an import names as prescriber, collector and recorder of the records it brings in."""

from waymark.core.models import Program, User
from waymark.core.roles import Role


def import_account(program: Program, kind: str, *, active: bool = False) -> User:
    """One per program and kind of import, role program admin (staff belong to a program), with no usable password
    and no second factor, so nobody can sign in with it. `active` only where the import acts through services that
    check the actor's capabilities (a role's capabilities need an active account)."""
    account, created = User.objects.get_or_create(
        username=f"import-{kind}-p{program.pk}",
        defaults={
            "role": Role.PROGRAM_ADMIN.value,
            "program": program,
            "is_active": active,
            "first_name": kind.upper() if kind != "ctn0094" else "CTN-0094",
            "last_name": "import",
        },
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account
