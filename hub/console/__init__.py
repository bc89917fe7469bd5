"""The hub's own console: static HTML, JavaScript modules and CSS, served at /console/."""

from hub.console.files import CONSOLE_PATH, STATIC_DIR, ConsoleFiles

__all__ = ["CONSOLE_PATH", "STATIC_DIR", "ConsoleFiles"]
