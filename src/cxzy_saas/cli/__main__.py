"""``python -m cxzy_saas.cli``."""

from cxzy_saas.cli import main

main()
