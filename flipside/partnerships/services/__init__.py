"""Writes of the partnerships app, one module per part of a pair's year. Every service runs in
a transaction, writes an audit entry and raises ``PartnershipError`` with a message a person
can act on."""

from __future__ import annotations


class PartnershipError(Exception):
    """A change refused, with the reason a person can act on."""
