"""The Living Wage Foundation's published rates, which every organisation starts with.

Source: the Living Wage Foundation (https://www.livingwage.org.uk/), which announces the
real Living Wage each autumn; its FAQs say employees should receive each year's new rates
by the following 1 May, so that is each value's "payable from" date. Coordinators add each
new announcement themselves (Flipside reminds them when the newest value is over a year old).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

SOURCE = "Living Wage Foundation, livingwage.org.uk"


class Published(NamedTuple):
    kind: str  # Rate.Kind
    hourly: Decimal
    announced_on: datetime.date
    payable_from: datetime.date
    note: str


_D = datetime.date
PUBLISHED: tuple[Published, ...] = (
    Published("london", Decimal("13.15"), _D(2023, 10, 24), _D(2024, 5, 1), "2023/24"),
    Published("london", Decimal("13.85"), _D(2024, 10, 23), _D(2025, 5, 1), "2024/25"),
    Published("london", Decimal("14.80"), _D(2025, 10, 22), _D(2026, 5, 1), "2025/26"),
    Published("uk", Decimal("12.00"), _D(2023, 10, 24), _D(2024, 5, 1), "2023/24"),
    Published("uk", Decimal("12.60"), _D(2024, 10, 23), _D(2025, 5, 1), "2024/25"),
    Published("uk", Decimal("13.45"), _D(2025, 10, 22), _D(2026, 5, 1), "2025/26"),
)
