"""Language identification with py3langid (its model ships in the wheel; no network, no pickle)."""

from __future__ import annotations

import functools

# Enough text for a stable verdict; more only costs time (dev set, `lang` labels of 2,086 bodies:
# 400 chars .9962 at 213 us a page, 300 .9962 at 159 us, 200 .9957 at 110 us).
_SAMPLE_CHARS = 300
# Below this confidence, or on very short text, a configured hint is trusted instead.
_MIN_CONFIDENCE = 0.9
_MIN_CHARS = 40


@functools.cache
def _identifier():
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import load_model

    # The model's feature weights ship as float16. py3langid multiplies a page's rows of them by float32
    # counts, and numpy turns those rows into float32 first, one element at a time: ~60 us of a ~150 us call
    # (synthetic bodies, ~240 features each). Turned into float32 once here (26 ms, +28 MB), the same
    # product runs in BLAS in ~13 us. The conversion is exact, so the scores are the same numbers
    # (tests/test_parse_language.py compares them with py3langid's own identifier).
    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    return LanguageIdentifier(
        np.asarray(ptc, dtype=np.float32), np.asarray(pc), classes, nextmove, output, norm_probs=True, tk_row=row
    )


def identify_language(text: str, hint: str | None = None) -> tuple[str | None, float]:
    """Return (ISO 639-1 code or None, confidence). The hint wins only when the text is inconclusive."""
    sample = text[:_SAMPLE_CHARS]
    if len(sample.strip()) < _MIN_CHARS:
        return hint, 0.0
    code, confidence = _identifier().classify(sample)
    if hint and code != hint and confidence < _MIN_CONFIDENCE:
        return hint, float(confidence)
    if len(code) == 2:
        return code, float(confidence)
    if hint:
        return hint, float(confidence)
    # The model knows languages without a two-letter code: take the likeliest language that has one.
    for other, score in _identifier().rank(sample):
        if len(other) == 2:
            return other, float(score)
    return None, 0.0
