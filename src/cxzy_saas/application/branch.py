"""The branch's application: organisation and (later) the campaign year's commands."""

from __future__ import annotations

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.organisation import OrganisationCommands


class BranchApplication(OrganisationCommands):
    name = TenantApplication.name
