"""``python -m argmine`` runs the command line."""

from argmine.cli import app

app()
