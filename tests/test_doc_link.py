"""The HTML representation links each estimator to its anchor in docs/guide.md."""

import re
from pathlib import Path

import pytest
from sklearn.utils import estimator_html_repr

from sklearn_compress import (
    CompressedCRF,
    CompressedTextVectorizer,
    CompressedTfidfTransformer,
    CompressedVectorizer,
    QuantizedLinearModel,
)
from sklearn_compress._doc_link import DOCS_URL

GUIDE = Path(__file__).parents[1] / "docs" / "guide.md"
ESTIMATORS = [
    CompressedCRF,
    CompressedTextVectorizer,
    CompressedTfidfTransformer,
    CompressedVectorizer,
    QuantizedLinearModel,
]


@pytest.mark.parametrize("estimator_class", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_doc_link_points_at_the_guide_anchor(estimator_class):
    name = estimator_class.__name__
    estimator = estimator_class()
    expected = f"{DOCS_URL}#{name}"
    assert estimator._get_doc_link() == expected
    assert f'href="{expected}"' in estimator_html_repr(estimator)
    anchors = re.findall(r'<a id="(\w+)"></a>', GUIDE.read_text(encoding="utf-8"))
    assert name in anchors

