"""Language identification always answers with a two-letter code (the schema's), or with nothing."""

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
