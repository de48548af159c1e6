"""Language identification always answers with a two-letter code (the schema's), or with nothing."""

import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib.parse.language import identify_language

# A Papiamento-like sentence the model files under a language without a two-letter code.
MIXED = ("Minister-president presente n’e Trashion Fashion Show di International School. "
         "E minister a bisa cu e scol ta importante pa e comunidad.")


def test_a_language_without_a_two_letter_code_falls_back_to_the_likeliest_with_one():
    code, confidence = identify_language(MIXED)
    assert code is not None and len(code) == 2 and 0 < confidence <= 1


def test_a_hint_wins_on_inconclusive_text():
    assert identify_language(MIXED, "nl")[0] == "nl"
    assert identify_language("Baku", "az") == ("az", 0.0)


# News-like text written here, one per script or family the model separates, and a few hard cases.
SAMPLES = [
    "Министр обороны встретился с делегацией и обсудил вопросы сотрудничества.",
    "The council voted on Tuesday to extend the bus route to the new hospital.",
    "Le maire a présenté jeudi le nouveau plan de circulation du centre-ville.",
    "Der Stadtrat hat am Montag den Haushalt für das kommende Jahr beschlossen.",
    "El gobierno anunció nuevas ayudas para los agricultores afectados por la sequía.",
    "Міська рада ухвалила рішення про ремонт доріг у трьох районах.",
    "政府は来年度の予算案を閣議決定した。",
    "وزير الخارجية يلتقي نظيره في العاصمة لبحث العلاقات الثنائية",
    "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία.",
    "ΣΥΝΑΝΤΗΣΗ ΤΟΥ ΠΡΩΘΥΠΟΥΡΓΟΥ ΜΕ ΤΟΝ ΔΗΜΑΡΧΟ",
    MIXED,
    "12:45 | 18.05.2021 | 1 2 3 4 5",
    "",
]


@functools.cache
def _reference():
    # py3langid's own identifier, as it loads its model (float16 weights).
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_the_float32_model_gives_py3langid_own_scores_exactly():
    import numpy as np

    from corpus_lib.parse.language import _identifier

    ours, reference = _identifier(), _reference()
    assert ours.nb_ptc.dtype == np.float32 and reference.nb_ptc.dtype == np.float16
    for text in SAMPLES + [a + " " + b for a, b in zip(SAMPLES, reversed(SAMPLES))]:
        assert ours.classify(text) == reference.classify(text), text
        assert ours.rank(text) == reference.rank(text), text


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=300))
def test_the_float32_model_agrees_on_any_text(text):
    from corpus_lib.parse.language import _identifier

    assert _identifier().classify(text) == _reference().classify(text)
