"""Entry point for ``flask --app app …`` and ``gunicorn 'app:app'``."""

from sla_contracts import create_app

app = create_app()
