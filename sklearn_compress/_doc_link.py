"""Links from the estimators' HTML representation to the project's guide.

scikit-learn's HTML repr shows a "?" link built from two class attributes:
``_doc_link_module`` (the estimator's top-level package must match it, else no
link) and ``_doc_link_template`` (formatted with ``estimator_module`` and
``estimator_name``). Each estimator of the package puts this mixin first among
its bases; ``docs/guide.md`` holds an anchor named after each class.
"""

__all__ = ["DOCS_URL", "DocLinkMixin"]

# The guide in the project's repository; the one place to change when it moves.
DOCS_URL = "https://github.com/sklearn-compress/sklearn-compress/blob/main/docs/guide.md"


class DocLinkMixin:
    """Point the HTML repr's documentation link at the class's anchor in the guide."""

    _doc_link_module = "sklearn_compress"
    _doc_link_template = DOCS_URL + "#{estimator_name}"
