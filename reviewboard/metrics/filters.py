"""The metrics' filters: a period (whole days, UTC), a pipeline (every version of it) and a risk tier.

What cannot be read is named in the problems and replaced by its default, never an error page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _

from reviewboard.catalogs.labels import tier_name
from reviewboard.pipelines.services import pipeline_keys
from reviewboard.projects.tiering import TIER_LABELS

FILTER_FIELDS = ("since", "until", "pipeline", "tier")
MAX_DAYS = 366 * 10  # a decade: the percentiles and the monthly trend stay bounded


@dataclass(frozen=True)
class MetricsFilter:
    since: date
    until: date  # inclusive
    pipeline: str = ""
    tier: str = ""

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=UTC)

    def args(self) -> dict:
        values = {"since": self.since.isoformat(), "until": self.until.isoformat(), "pipeline": self.pipeline,
                  "tier": self.tier}
        return {k: v for k, v in values.items() if v}

    def describe(self) -> str:
        """The filter in words, in the reader's language (the page's headings; the exports name ``args()``)."""
        parts = [_("%(since)s to %(until)s", since=self.since.isoformat(), until=self.until.isoformat())]
        if self.pipeline:
            parts.append(_("pipeline %(key)s", key=self.pipeline))
        if self.tier:
            parts.append(_("%(tier)s tier", tier=tier_name(self.tier)))
        return _(", ").join(parts)


def default_since(today: date) -> date:
    """The first day of the month eleven months back: twelve whole months with this one."""
    month = today.year * 12 + today.month - 1 - 11
    return date(month // 12, month % 12 + 1, 1)


def _date(raw: str, label: str, problems: list[str]) -> date | None:
    """``label`` is already in the reader's language."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]) if len(raw) == 10 else date.fromisoformat(raw)
    except ValueError:
        problems.append(_("The %(label)s “%(raw)s” is not a date (YYYY-MM-DD); the default is shown instead.",
                          label=label, raw=raw[:40]))
        return None


def parse_filter(args, today: date) -> tuple[MetricsFilter, list[str]]:
    """The filter from query or form arguments, and a sentence for each value that could not be used."""
    problems: list[str] = []
    since = _date(args.get("since"), _("start date"), problems)
    until = _date(args.get("until"), _("end date"), problems)
    until = until or today
    since = since or default_since(until if until < today else today)
    if since > until:
        problems.append(_("The period starts (%(since)s) after it ends (%(until)s); the twelve months before its end "
                          "are shown instead.", since=since.isoformat(), until=until.isoformat()))
        since = default_since(until)
    if (until - since).days > MAX_DAYS:
        problems.append(_("The period is longer than ten years; the last ten years of it are shown instead."))
        since = until - timedelta(days=MAX_DAYS)
    tier = (args.get("tier") or "").strip()
    if tier and tier not in TIER_LABELS:
        problems.append(_("There is no risk tier “%(tier)s”; every tier is shown instead.", tier=tier[:40]))
        tier = ""
    pipeline = (args.get("pipeline") or "").strip()
    if pipeline and pipeline not in pipeline_keys():
        problems.append(_("There is no pipeline “%(key)s”; every pipeline is shown instead.", key=pipeline[:80]))
        pipeline = ""
    return MetricsFilter(since, until, pipeline, tier), problems
