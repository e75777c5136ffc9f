"""``python -m logscope`` runs the command-line interface."""

from .cli import main

main()
