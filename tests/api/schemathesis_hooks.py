"""What schemathesis is told beyond the OpenAPI schema: the one rule of a valid request that no
schema can state. Loaded by the CLI (``SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks``,
``test_schemathesis_cli``) and by import (``test_schemathesis``).

A due date is valid from today on, a rule a schema cannot state (it moves with the calendar):
valid requests carry dates from tomorrow on (a live run's day is today's, or tomorrow's once
its clock passes midnight).
"""

from __future__ import annotations

from datetime import date, timedelta

import schemathesis
from hypothesis import strategies as st

FUTURE_DATES = st.dates(min_value=date.today() + timedelta(days=1), max_value=date(2099, 12, 31))
schemathesis.openapi.format("date", FUTURE_DATES.map(date.isoformat))
