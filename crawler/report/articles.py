"""The figures the "PyTorch vs TensorFlow" articles cite, in ONE place (:data:`ARTICLE`), and the hubs
they are about. Edit here to check another article."""

from __future__ import annotations

from dataclasses import dataclass

#: The hubs the articles' figures are about.
HUGGING_FACE = "huggingface"
PYTORCH_HUB = "pytorch-hub"
TF_HUB = "tf-hub"
KAGGLE = "kaggle"


@dataclass(frozen=True)
class ArticleValue:
    """One number an article cites, with its own words."""

    figure: str  # the report section it belongs to: hubs, exclusivity, additions, papers, kaggle
    measure: str  # what it counts inside that figure: a hub, a framework class, a framework
    value: float  # the number (shares as fractions 0–1), for plots
    text: str  # the number as the article writes it
    wording: str  # the article's sentence
    source: str


ARTICLES = "“PyTorch vs TensorFlow” articles (figures as they circulate; no single source named)"
PWC = "Papers with Code trends, as quoted by the “PyTorch vs TensorFlow” articles"

#: Every article value the report compares with, in ONE place. Edit here to check another article.
ARTICLE: tuple[ArticleValue, ...] = (
    ArticleValue(
        "hubs", PYTORCH_HUB, 49, "49", "PyTorch Hub: 49 models; TensorFlow Hub: about 1,300", ARTICLES
    ),
    ArticleValue(
        "hubs", TF_HUB, 1300, "about 1,300", "PyTorch Hub: 49 models; TensorFlow Hub: about 1,300", ARTICLES
    ),
    ArticleValue(
        "exclusivity",
        "pytorch_only",
        0.92,
        "92 %",
        "92 % of HF models are PyTorch-exclusive, 8 % TensorFlow-exclusive",
        ARTICLES,
    ),
    ArticleValue(
        "exclusivity",
        "tensorflow_only",
        0.08,
        "8 %",
        "92 % of HF models are PyTorch-exclusive, 8 % TensorFlow-exclusive",
        ARTICLES,
    ),
    ArticleValue(
        "additions",
        "pytorch_only",
        45000,
        "over 45,000",
        "in 2022 over 45,000 PyTorch-exclusive and 4,000 TensorFlow-exclusive models were added",
        ARTICLES,
    ),
    ArticleValue(
        "additions",
        "tensorflow_only",
        4000,
        "4,000",
        "in 2022 over 45,000 PyTorch-exclusive and 4,000 TensorFlow-exclusive models were added",
        ARTICLES,
    ),
    ArticleValue("papers", "pytorch", 0.68, "68 %", "68 % of research papers use PyTorch", PWC),
)
#: The year the articles' "models added" figure is about.
ARTICLE_ADDITIONS_YEAR = "2022"


def article_value(figure: str, measure: str) -> ArticleValue | None:
    """The article's value for ``measure`` of ``figure``, or None when the articles cite none."""
    return next((a for a in ARTICLE if a.figure == figure and a.measure == measure), None)
