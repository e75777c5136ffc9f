"""fastjson.dumps writes exactly json.dumps(indent=2, ensure_ascii=False, allow_nan=False)'s text (issue 7)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logscope.renderers import fastjson


def reference(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)


scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text())
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(keys, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_text_as_json_dumps(obj: Any) -> None:
    assert fastjson.dumps(obj) == reference(obj)


def test_same_text_on_awkward_values() -> None:
    obj = {"": [], "a": {}, "é\n\"\\\u2028": [0.1, -0.0, 1e300, 5e-324, 10**30, True, None, ("x", {"k": [[]]})],
           1.5: "float key", 2: "int key", True: "bool key", None: "none key"}
    assert fastjson.dumps(obj) == reference(obj)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {"k": [math.nan]}])
def test_non_finite_floats_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        reference(bad)
    with pytest.raises(ValueError):
        fastjson.dumps(bad)


@pytest.mark.parametrize("bad", [{1, 2}, object(), {(1, 2): 3}, b"bytes"])
def test_other_types_are_refused(bad: Any) -> None:
    with pytest.raises(TypeError):
        reference(bad)
    with pytest.raises(TypeError):
        fastjson.dumps(bad)
