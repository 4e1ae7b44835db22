"""The whole ``cxzy`` command line: one click group, its command groups registered here by name.

The logic each command drives lives in the packages below (application, projections, audit,
demo); these modules only parse options, open the logs and print.
"""

from __future__ import annotations

from cxzy_saas.cli.accounts import accounts
from cxzy_saas.cli.archive import archive
from cxzy_saas.cli.audit import audit
from cxzy_saas.cli.evidence import evidence
from cxzy_saas.cli.members import members
from cxzy_saas.cli.operations import backup, init
from cxzy_saas.cli.project import leaderboard, project
from cxzy_saas.cli.root import main

for command in (init, project, leaderboard, audit, archive, members, evidence, accounts, backup):
    main.add_command(command)

__all__ = ["main"]
