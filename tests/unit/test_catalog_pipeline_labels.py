"""The catalog and pipeline screens name every stored value in words a translator sees: each tier, applicability,
framework, expertise and diff field has its label (a value without one would show as a raw code in Chinese).
No database."""

from __future__ import annotations

from reviewboard.catalogs import labels as catalog_labels
from reviewboard.catalogs.diff import REWORDABLE
from reviewboard.catalogs.schema import APPLICABILITY, FRAMEWORK_LABELS, TIERS
from reviewboard.pipelines import labels as pipeline_labels
from reviewboard.pipelines.models import EXPERTISE
from reviewboard.pipelines.schema import STAGE_FIELDS


def test_every_stored_value_has_a_label():
    assert set(catalog_labels.TIER_NAMES) == set(TIERS)
    assert set(catalog_labels.APPLICABILITY_NAMES) == set(APPLICABILITY)
    assert set(catalog_labels.FRAMEWORK_NAMES) == set(FRAMEWORK_LABELS)
    assert set(REWORDABLE) | {"evidence_types", "applicability", "stage"} <= set(catalog_labels.FIELD_NAMES)
    assert set(pipeline_labels.EXPERTISE_NAMES) == set(EXPERTISE) == set(pipeline_labels.EXPERTISE_CHOICES)
    assert set(STAGE_FIELDS) - {"code"} <= set(pipeline_labels.FIELD_NAMES)

