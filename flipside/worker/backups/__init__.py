"""Encrypted backups of the whole database and their restore (``manage.py backup``,
``manage.py restore``): services.py does the work, sealed.py is the file's format,
tables.py counts and checksums, sqlite.py and postgres.py speak to each database."""
