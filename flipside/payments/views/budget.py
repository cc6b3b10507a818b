"""Pages of payments: see urls.py."""
