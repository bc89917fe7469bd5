"""sitewatch: site monitoring from gateway to hub."""

__version__ = "0.1.0"
