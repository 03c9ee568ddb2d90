"""The HTTP API of invoicesim: ``create_app(settings, db, engine)``; see ``app``."""

from ui.api.app import create_app
from ui.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
