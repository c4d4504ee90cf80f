"""Golden tests on the shipped default model: directions and margins, never exact outputs."""

from __future__ import annotations

import pytest

from comment_guard import CommentGuard, Decision
from comment_guard.artifact import default_model_path, load_default_model, read_manifest
from comment_guard.results import MISINFORMATION, SPAM

SECRET = "golden-tests-secret-key-0123456789"

PLAIN = "Thank you for explaining the research so clearly. My brother is a veteran and this gives us hope."
SPAM_PAIRS = [
    ("Buy ketamine online without prescription!! Fast discreet delivery, WhatsApp +1 555 0100 777", PLAIN),
    ("Great post, I bookmarked your blog. Visit my site for cheap pills: http://cheap-pills-now.xyz", PLAIN),
    ("Dr. Okoro's herbal medicine cured my PTSD completely, contact him on dr.okoro.spellhome@gmail.com", PLAIN),
    ("k3tam1ne f0r s@le, n0 rx needed, t.me/ketashop", "Is ketamine for sale in pharmacies, or only given in clinics?"),
]
MISINFORMATION_PAIRS = [
    (
        "One ketamine infusion cures PTSD forever, guaranteed. Throw away your antidepressants.",
        "What side effects did people have after their first ketamine infusion?",
    ),
    (
        "Big Pharma hides the cure for depression because sick people are more profitable.",
        "Drug prices are too high, but the trials behind these medicines are public and worth reading.",
    ),
    (
        "The FDA approved ketamine for PTSD last year, so buying it on the street and using it at home is safe.",
        "The FDA has not approved ketamine for PTSD; esketamine (Spravato) is approved for depression.",
    ),
]


@pytest.fixture(scope="module")
def guard() -> CommentGuard:
    """The guard over the shipped model."""
    return CommentGuard.default(secret_key=SECRET)


def test_shipped_manifest_describes_both_risks():
    """The shipped manifest lists both risks, the data hashes and the evaluation."""
    manifest = read_manifest(default_model_path())
    assert manifest.risks == [SPAM, MISINFORMATION]
    assert all(len(item["sha256"]) == 64 for item in manifest.training["data_files"])
    assert manifest.metrics["evaluation"]


@pytest.mark.parametrize(("risky", "plain"), SPAM_PAIRS, ids=["drug-sale", "seo-praise", "herbal-doctor", "leet"])
def test_spam_scores_above_plain_comment(guard, risky, plain):
    """Obvious spam scores far higher for spam than an ordinary comment."""
    risky_score, plain_score = (s.spam for s in guard.score([risky, plain]))
    assert risky_score is not None
    assert plain_score is not None
    assert risky_score > plain_score + 0.5


@pytest.mark.parametrize(
    ("claim", "question"), MISINFORMATION_PAIRS, ids=["miracle-cure", "big-pharma", "false-approval"]
)
def test_misinformation_scores_above_legitimate_counterpart(guard, claim, question):
    """A misinformation claim scores higher than a legitimate comment on the same subject."""
    claim_score, question_score = (s.misinformation for s in guard.score([claim, question]))
    assert claim_score is not None
    assert question_score is not None
    assert claim_score > question_score + 0.3


@pytest.mark.parametrize(
    ("content", "decision"),
    [
        ("How much does a course of ketamine infusions cost, and does insurance ever cover it?", Decision.APPROVE),
        ("Buy ketamine online no prescription, WhatsApp +1 555 0100 999, bitcoin accepted", Decision.SPAM),
        ("One infusion cured my PTSD forever. Stop your antidepressants, Big Pharma hides the cure.", Decision.HOLD),
    ],
    ids=["price-question", "drug-sale", "miracle-cure"],
)
def test_default_decisions(guard, content, decision):
    """The default policy over the shipped model approves, bins and holds typical comments."""
    form = {"author": "Reader", "email": "reader@example.org", "content": content}
    assert guard.moderate(form).decision is decision


def test_explanations_name_words_and_signals(guard):
    """A spam score is explained by whole words or named signals, strongest first."""
    scores = guard.score(["Cheap xanax without prescription, order now, WhatsApp +1 555 0100 123"])[0]
    contributions = scores.explanations[SPAM]
    assert contributions
    assert [c.weight for c in contributions] == sorted((c.weight for c in contributions), reverse=True)
    assert all("xx" not in c.name for c in contributions)
    assert any(c.kind == "signal" for c in contributions)


def test_default_model_is_loaded_once():
    """load_default_model returns the same verified model object on every call."""
    assert load_default_model() is load_default_model()
