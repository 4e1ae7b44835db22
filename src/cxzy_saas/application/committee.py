"""The committee's application and the deployment registry's."""

from __future__ import annotations

from uuid import UUID

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.permissions import COMMITTEE_WRITERS, SYSTEM
from cxzy_saas.domain.committee import Committee, Registry, check_tenant_code
from cxzy_saas.domain.errors import AlreadyExists, NotFound
from cxzy_saas.domain.recording import Actor


class RegistryApplication(TenantApplication):
    name = TenantApplication.name

    def registry(self) -> Registry:
        try:
            return self.load(Registry, Registry.ID, "registry")
        except NotFound:
            return Registry()  # needs an open recording context; only called inside one

    def committees(self) -> dict[str, str]:
        if not self.exists(Registry.ID):
            return {}
        return dict(self.load(Registry, Registry.ID, "registry").committees)

    def register_committee(self, actor: Actor, code: str, name: str) -> None:
        with self.acting(actor, {SYSTEM}):
            registry = self.registry()
            registry.register_committee(code, name)
            self.save(registry)


class CommitteeApplication(TenantApplication):
    name = TenantApplication.name

    def open_committee(self, actor: Actor, name: str) -> UUID:
        with self.acting(actor, {SYSTEM}):
            if self.exists(Committee.id_for(self.tenant)):
                raise AlreadyExists(f"committee {self.tenant} is open already")
            committee = Committee(code=check_tenant_code(self.tenant), name=name)
            self.save(committee)
            return committee.id

    def committee(self) -> Committee:
        return self.load(Committee, Committee.id_for(self.tenant), f"committee {self.tenant}")

    def register_branch(self, actor: Actor, code: str, name: str, taken: set[str]) -> None:
        with self.acting(actor, COMMITTEE_WRITERS):
            committee = self.committee()
            committee.register_branch(code, name, taken)
            self.save(committee)
