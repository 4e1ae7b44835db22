"""The committee (党委/总支) and the deployment's registry of committees.

A branch exists once its committee's log says so: registering a branch is a ``BranchRegistered``
event in the committee's log, written before the branch's own log is opened.
"""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import TenantAggregate, require_text, stable_id
from cxzy_saas.domain.errors import AlreadyExists, InvalidInput, NotFound, StateConflict

TENANT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CELL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def check_tenant_code(code: str) -> str:
    """A tenant code names a SQLite file and a PostgreSQL schema, so it is kept plain.

    Raises:
        InvalidInput: unless it is 1-40 of a-z, 0-9 and _, starting with a letter.
    """
    if not isinstance(code, str) or not TENANT_CODE.fullmatch(code):
        raise InvalidInput("tenant.code_malformed", field="code", code=code)
    return code


class Registry(TenantAggregate):
    """The deployment's list of committees (one deployment may serve several), and the cell
    (a PostgreSQL database) each committee lives in, with all its branches. A committee placed
    nowhere lives in the default cell (committees registered before cells existed)."""

    @staticmethod
    def create_id() -> UUID:
        return Registry.ID

    ID = stable_id("registry")

    @event("Started")
    def __init__(self) -> None:
        self.committees: dict[str, str] = {}
        self.cells: dict[str, str] = {}  # committee -> cell, when placed

    def register_committee(self, code: str, name: str) -> None:
        check_tenant_code(code)
        if code in self.committees:
            raise AlreadyExists("committee.registered_already", field="code", committee=code)
        self._committee_registered(
            code=code, name=require_text(name, "name", max_length=100, multiline=False)
        )

    @event("CommitteeRegistered")
    def _committee_registered(self, code: str, name: str) -> None:
        self.committees[code] = name

    def place_committee(self, code: str, cell: str) -> None:
        """Say which cell holds the committee's logs and its branches'. Once only: a committee
        never spans cells, and moving one is an operation on whole databases, not an event.

        Raises:
            NotFound: no such committee.
            InvalidInput: a malformed cell name.
            StateConflict: the committee is placed already.
        """
        if code not in self.committees:
            raise NotFound("committee.not_found", committee=code)
        if not isinstance(cell, str) or not CELL_NAME.match(cell):
            raise InvalidInput("cell.name_malformed", field="cell", cell=cell)
        if code in self.cells:
            raise StateConflict("committee.placed_already", committee=code, cell=self.cells[code])
        self._committee_placed(code=code, cell=cell)

    @event("CommitteePlaced")
    def _committee_placed(self, code: str, cell: str) -> None:
        self.cells[code] = cell


class Committee(TenantAggregate):
    """The supervising committee; the first aggregate of a committee's log."""

    @staticmethod
    def create_id(tenant: str) -> UUID:
        return Committee.id_for(tenant)

    @staticmethod
    def id_for(tenant: str) -> UUID:
        return stable_id(tenant, "committee")

    @event("Registered")
    def __init__(self, code: str, name: str) -> None:
        self.code = code
        self.name = name
        self.branches: dict[str, str] = {}

    def register_branch(self, code: str, name: str, taken: set[str]) -> None:
        """Register a branch; ``taken`` is every tenant code of the deployment.

        Raises:
            InvalidInput: for a malformed code or an empty name.
            AlreadyExists: when the code is taken by any tenant.
        """
        check_tenant_code(code)
        if code in self.branches or code in taken:
            raise AlreadyExists("tenant.code_taken", field="code", code=code)
        self._branch_registered(
            code=code, name=require_text(name, "name", max_length=100, multiline=False)
        )

    @event("BranchRegistered")
    def _branch_registered(self, code: str, name: str) -> None:
        self.branches[code] = name
