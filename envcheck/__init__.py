"""envcheck: deploy, check, verify and report standard environments before a go-live."""

__version__ = "0.1.0"
