"""YAML files are read with libyaml's C loader (reviewboard/core/yamlfiles.py), and it reads them as the pure-Python
loader does: the same values and the same line for every node, which catalog and pipeline messages quote."""

from __future__ import annotations

import pytest
import yaml

from reviewboard.catalogs.schema import CatalogError, default_catalog_path, parse_catalog
from reviewboard.core import yamlfiles


def _lines(node, out):
    out.append((node.tag, node.start_mark.line, node.value if isinstance(node, yaml.ScalarNode) else None))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(key, out)
            _lines(value, out)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _lines(item, out)
    return out


def test_the_c_loader_is_the_one_used():
    """PyYAML's wheels carry libyaml; without it a catalog takes about 14 times longer to read."""
    assert yaml.__with_libyaml__
    assert yamlfiles.SafeLoader is yaml.CSafeLoader


def test_a_shipped_catalog_reads_the_same_with_either_loader():
    text = default_catalog_path().read_text(encoding="utf-8")
    assert _lines(yamlfiles.compose(text), []) == _lines(yaml.compose(text, Loader=yaml.SafeLoader), [])
    assert yamlfiles.safe_load(text) == yaml.safe_load(text)


@pytest.mark.parametrize("broken", ["catalog:\n  key: a\n  name: [unclosed\n", "a: b\n  c: d\n", "- a\nb: c\n"])
def test_a_syntax_error_is_located_on_the_same_line(app, broken):
    with pytest.raises(yaml.MarkedYAMLError) as fast:
        yamlfiles.compose(broken)
    with pytest.raises(yaml.MarkedYAMLError) as slow:
        yaml.compose(broken, Loader=yaml.SafeLoader)
    assert fast.value.problem_mark.line == slow.value.problem_mark.line
    line = slow.value.problem_mark.line + 1
    with app.test_request_context(), pytest.raises(CatalogError, match=rf"\bline {line}: invalid YAML"):
        parse_catalog(broken)
