"""Boilerplate evidence for single lines: multilingual site phrases, captions and media markers."""

from __future__ import annotations

import re

# Lines that start a site block (related links, sharing, comments, legal) rather than article text.
# Matched against the casefolded line; only short lines qualify, so prose that mentions them survives.
_BLOCK_START = re.compile(
    r"^(?:"
    # English
    r"read more|read also|see also|related(?: articles| news| stories| posts| content)?|more (?:from|on|news|stories)|"
    r"most (?:read|popular|viewed)|trending|recommended(?: for you)?|you (?:may|might) also like|share(?: this)?(?: article| story| on)?|"
    r"follow us|subscribe|sign up|newsletter|log ?in|register|comments?|leave a (?:comment|reply)|tags?|topics|advertisement|"
    r"all rights reserved|copyright|privacy policy|terms of (?:use|service)|cookie|back to top|skip to (?:main )?content|"
    r"top stories|latest news|editor'?s picks|"
    # Russian / Ukrainian / Belarusian
    r"читайте (?:также|нас|ещё|еще)|смотрите также|советуем почитать|рекомендуем|поделиться|подписывайтесь|подпишитесь|теги|метки|"
    r"все права защищены|реклама|комментари\w*|похожие (?:новости|материалы|статьи)|другие новости|популярное|последние новости|"
    r"новости партн[её]ров|главное|источник|версия для печати|читайте також|поділитися|всі права захищені|коментар\w*|"
    r"схожі новини|інші новини|реклама|"
    # Azerbaijani / Turkish
    r"digər xəbərlər|oxşar xəbərlər|paylaş|bütün hüquqlar qorunur|etiketlər|şərhlər|son xəbərlər|ilgili haberler|"
    r"benzer haberler|tüm hakları saklıdır|etiketler|yorumlar|son dakika|"
    # German / French / Spanish / Italian / Portuguese / Polish
    r"mehr zum thema|weitere artikel|weiterlesen|das könnte sie auch interessieren|teilen|alle rechte vorbehalten|kommentare|"
    r"anzeige|impressum|datenschutz|lesen sie auch|zum seitenanfang|partager|lire aussi|tous droits réservés|"
    r"commentaires|à lire aussi|compartir|leer más|noticias relacionadas|todos los derechos reservados|comentarios|"
    r"condividi|leggi anche|tutti i diritti riservati|compartilhe|leia também|todos os direitos reservados|"
    r"udostępnij|czytaj także|czytaj też|wszelkie prawa zastrzeżone|komentarze"
    r")(?!\w)"
)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)", re.IGNORECASE)
_COOKIE = re.compile(r"\bcookies?\b|куки|cookie-файл", re.IGNORECASE)
_MAX_BLOCK_WORDS = 12

MEDIA_WORDS = {
    "photo": r"фото|фотографии|фоторепортаж|фотогалерея|photos?|fotos?|fotoğraf(?:lar)?|şəkil(?:lər)?|fotogalereya|bilder|bild",
    "video": r"видео|відео|videos?|vídeo|videolar|видеосюжет",
    "audio": r"аудио|аудіо|audio|podcast|подкаст",
    "gallery": r"галерея|gallery|galerie|galeri|fotoqalereya",
    "infographic": r"инфографика|інфографіка|infographic|infografika|infografik",
}
_MEDIA_WORD = "|".join(MEDIA_WORDS.values())
_MEDIA_JOIN = r"(?:\s*[-,/+&]\s*|\s+(?:и|і|and|və|ve|und|y|et)\s+)"
_MEDIA_GROUP = rf"(?:{_MEDIA_WORD})(?:{_MEDIA_JOIN}(?:{_MEDIA_WORD}))*"
# '(Фото-Видео)', '[VIDEO]', trailing '| ФОТО' or ' - VIDEO' (upper case only), at either end of a title.
_TITLE_MARKER_END = re.compile(
    rf"\s*(?:[(\[]\s*(?P<a>{_MEDIA_GROUP})\s*[)\]]|\s[-–—|:]\s*(?P<b>(?-i:[A-ZА-ЯЁІЇЄƏÜÖĞŞÇİ][A-ZА-ЯЁІЇЄƏÜÖĞŞÇİ\s,+/&-]*)))\s*$",
    re.IGNORECASE,
)
_TITLE_MARKER_START = re.compile(rf"^\s*[(\[]\s*(?P<a>{_MEDIA_GROUP})\s*[)\]]\s*", re.IGNORECASE)
_CAPTION = re.compile(
    rf"^(?P<m>{_MEDIA_WORD}|watch|смотрите|смотреть)\s*(?:[:|]|\s[-–—]\s)", re.IGNORECASE
)
_MEDIA_KIND = [(kind, re.compile(rf"^(?:{pattern})$", re.IGNORECASE)) for kind, pattern in MEDIA_WORDS.items()]


def media_kinds(marker: str) -> set[str]:
    kinds = set()
    for word in re.split(_MEDIA_JOIN, marker.strip(), flags=re.IGNORECASE):
        word = word.strip()
        for kind, pattern in _MEDIA_KIND:
            if pattern.match(word):
                kinds.add(kind)
    return kinds


def strip_title_markers(title: str) -> tuple[str, set[str]]:
    """Remove media markers from a title; return the clean title and the media they announce."""
    media: set[str] = set()
    stripped = title.rstrip()
    last_word = stripped.rsplit(None, 1)[-1] if stripped else ""
    if not (stripped.endswith((")", "]")) or last_word.isupper() or title.lstrip().startswith(("(", "["))):
        return title, media  # cheap exit: no marker shape at either end
    for _ in range(3):
        m = _TITLE_MARKER_END.search(title)
        if m:
            kinds = media_kinds(m.group("a") or m.group("b") or "")
            if kinds:
                media |= kinds
                title = title[: m.start()].rstrip()
                continue
        m = _TITLE_MARKER_START.match(title)
        if m:
            kinds = media_kinds(m.group("a"))
            if kinds:
                media |= kinds
                title = title[m.end() :].lstrip()
                continue
        break
    return title, media


def caption_media(text: str, words: int) -> set[str]:
    """Media announced by a caption line such as 'Photo: AP' or 'Watch: ...' (empty if not a caption)."""
    if words > 25:
        return set()
    m = _CAPTION.match(text)
    if not m:
        return set()
    word = m.group("m").casefold()
    if word in ("watch", "смотрите", "смотреть"):
        return {"video"}
    return media_kinds(word)


def is_site_block_line(key: str, words: int, text: str = "") -> bool:
    """A short line that names a site block (related, share, comments, legal) or a cookie notice.

    `key` is the line's normalised key; `text` the line itself (the key has lost symbols like '©').
    """
    if words <= _MAX_BLOCK_WORDS and (_BLOCK_START.match(key) or _COPYRIGHT.match(text.lstrip())):
        return True
    return words <= 40 and bool(_COOKIE.search(key))
