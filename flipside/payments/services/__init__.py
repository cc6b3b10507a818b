"""Writes of payments, by what they change: ``rates`` (rates, their values, a cohort's pay
settings, payroll columns, employment records), ``timesheets`` (lines, submitting, review)
and ``runs`` (payment runs, export, paid). Each is a verb-first function that runs in one
transaction, locks what two people could change at once and writes an audit entry."""

from __future__ import annotations


class PayError(Exception):
    """A change refused for a reason the person can act on: the message says which."""


class StaleVersion(PayError):
    """Someone else changed the object since the form was drawn."""
