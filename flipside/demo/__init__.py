"""The demo organisation, schemes and people that ``make run`` shows a new visitor: one module
per step of the cycle, composed in order by ``seed.py``."""
