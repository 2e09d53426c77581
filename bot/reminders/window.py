"""Delivery windows: when a reminder may reach a person (working days 8:30–18:00 by default).

Why its own module: "held to the next window" is used by the planner (first attempt), by the
retry backoff and by the claim, and all three must agree. Hours come from ``rules.yaml``; working
days (statutory holidays and 调休) from :mod:`bot.workdays`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from bot.reminders.rules import DeliveryWindow
from bot.workdays import SHANGHAI, counts_as_workday, first_workday_on_or_after, local_date


class Window:
    """Open/closed test and the next opening, for one :class:`DeliveryWindow`."""

    def __init__(self, config: DeliveryWindow) -> None:
        self.config = config

    def _deliverable_day(self, day: date) -> bool:
        return counts_as_workday(day) if self.config.working_days_only else True

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=SHANGHAI).astimezone(timezone.utc)

    def opens(self, day: date) -> datetime:
        """The window's start on ``day`` (whether or not ``day`` is deliverable)."""
        return self._at(day, self.config.start)

    def is_open(self, moment: datetime) -> bool:
        """True if a message may be delivered at ``moment``."""
        local = moment.astimezone(SHANGHAI)
        if not self._deliverable_day(local.date()):
            return False
        return self.config.start <= local.time().replace(tzinfo=None) < self.config.end

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` itself if the window is open, else the start of the next window."""
        if self.is_open(moment):
            return moment.astimezone(timezone.utc)
        day = local_date(moment)
        if moment.astimezone(SHANGHAI).time().replace(tzinfo=None) >= self.config.start:
            day += timedelta(days=1)  # today's window has passed (or is closed all day)
        if self.config.working_days_only:
            day = first_workday_on_or_after(day)
        return self.opens(day)
