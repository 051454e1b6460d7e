"""``python -m monitor`` runs the factwatch CLI."""

from monitor.cli import main

main()
