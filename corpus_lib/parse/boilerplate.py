"""Boilerplate evidence for single lines: multilingual site phrases, captions and media markers."""

from __future__ import annotations

import re
from typing import Final

# Headings of the site blocks that follow an article: related links, most read, comments, sharing,
# tags, newsletters, author boxes, legal footers. Matched against the start of the casefolded line key.
_END_BLOCK: Final = (
    # English
    r"read (?:more|next|also)|see also|also read|further reading|related(?: \w+)?|more (?:from|on|in|about|stories|news|"
    r"articles|posts|like this|to (?:read|explore))(?: [\w'’&-]+){0,3}|most (?:read|popular|viewed|shared|commented|recent)|"
    r"trending(?: now| stories| articles)?|popular (?:posts|stories|articles|now)|recommended(?: for you| stories| articles| reading)?|"
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|don'?t miss|what to read next|recent (?:posts|articles|stories)|"
    r"latest (?:news|stories|posts|articles|headlines)|top stories|editor'?s picks|(?:previous|next) (?:post|article|story)|"
    r"comments?|\d+ comments?|no comments(?: yet)?|leave a (?:comment|reply)|post a comment|add a comment|join the (?:conversation|discussion)|"
    r"share(?: this)?(?: article| story| post| page| on)?|tags?|topics|filed under|categories|about the author|"
    r"follow us(?: on)?|subscribe(?: to our newsletter| now)?|sign up(?: for our newsletter)?|newsletter|"
    r"all rights reserved|copyright|privacy policy|terms of (?:use|service)|back to top|"
    r"related posts|share this:|like this:|you are using an? (?:outdated |old )?browser|was this (?:article|page|post) (?:helpful|useful)|"
    r"your email address will not be published|this site uses akismet|thanks for reading|cancel reply|"
    r"recent comments|close this search box|more (?:news|stories)(?: like this(?: one)?)?|all news|"
    # German
    r"mehr zum thema|mehr (?:aus|zu|von|über) [\w-]+(?: [\w-]+)?|(?:weitere|alle) (?:artikel|beiträge|nachrichten|meldungen|news)|"
    r"weitere (?:themen|informationen)|"
    r"weiterlesen|das könnte (?:sie|dich) auch interessieren|auch interessant|lesen sie (?:auch|mehr)|(?:die )?meistgelesenen?(?: artikel)?|"
    r"meist gelesen|am meisten gelesen|(?:ähnliche|verwandte|passende|empfohlene|neueste|aktuelle) (?:artikel|beiträge|themen)|"
    r"kommentare?|keine kommentare|kommentar (?:schreiben|verfassen)|(?:schreibe(?:n sie)?|hinterlasse)(?: jetzt)? einen kommentar|"
    r"(?:die )?(?:neuesten|letzten) kommentare|(?:diesen )?(?:artikel|beitrag|seite) teilen|teilen|"
    r"schlagworte|schlagwörter|themen|newsletter|abonnieren|impressum|datenschutz(?:erklärung)?|zum seitenanfang|nach oben|"
    r"alle rechte vorbehalten|über (?:den autor|die autorin)|(?:vorheriger|nächster) (?:beitrag|artikel)|"
    r"(?:deine|ihre) e-mail-adresse wird nicht veröffentlicht|diese website verwendet akismet|hinterlasse eine antwort|"
    r"antworten abbrechen|du kommentierst mit deinem|war (?:der|dieser) (?:artikel|beitrag) (?:hilfreich|nützlich)|möchten sie (?:den|diesen) artikel teilen|"
    r"mit freunden teilen|jetzt (?:zum )?(?:kostenlosen )?newsletter|zum newsletter|wir respektieren (?:deine|ihre) privatsphäre|"
    # French / Spanish / Italian / Portuguese / Dutch / Polish / Finnish
    r"(?:à )?lire aussi|lire la suite|sur le même sujet|articles? (?:similaires|liés|connexes)|en savoir plus|pour approfondir|"
    r"les plus lus|commentaires|partager(?: cet article| sur)?|tous droits réservés|abonnez-vous|"
    r"le(?:a|e) (?:también|más)|noticias relacionadas|art[ií]culos relacionados|te puede interesar|más noticias|lo más leído|"
    r"comentarios|compartir|todos los derechos reservados|le puede interesar|inf[oó]rmate más|suscr[ií]bete|"
    r"leggi anche|articoli correlati|potrebbe interessarti|i più letti|commenti|condividi|tutti i diritti riservati|"
    r"leia (?:também|mais)|notícias relacionadas|veja também|mais lidas|comentários|compartilhe|todos os direitos reservados|"
    r"lees (?:ook|meer)|gerelateerde artikelen|meest gelezen|reacties|delen|"
    r"czytaj (?:także|też|więcej)|zobacz (?:także|też|również)|polecamy|najczęściej czytane|podobne artykuły|komentarze|udostępnij|"
    r"wszelkie prawa zastrzeżone|podziel się|dowiedz się więcej|czytasz właśnie|materiał chroniony prawem|"
    r"zapraszamy (?:też )?do subskrypcji|lue myös|luetuimmat|"
    # Russian / Ukrainian / Belarusian
    r"все новости|читайте (?:также|нас|ещё|еще|також)|смотрите также|советуем почитать|рекомендуем|поделиться|подписывайтесь|подпишитесь|"
    r"теги|метки|все права защищены|комментари\w*|похожие (?:новости|материалы|статьи)|другие новости|популярное|"
    r"последние новости|самое (?:читаемое|популярное|обсуждаемое)|новости партн[её]ров|версия для печати|поділитися|"
    r"(?:новости|материалы|статьи|ссылки|ещё|еще|больше) по теме|(?:новини|матеріали|статті) за темою|"
    r"всі права захищені|коментар\w*|схожі новини|інші новини|"
    r"при использовании (?:любых )?материал\w*|перепечатка\w*|оцените,? (?:пожалуйста,? )?(?:статью|материал)|"
    r"зарегистрируйтесь(?: или войдите)?|"
    # Azerbaijani / Turkish
    r"digər xəbərlər|oxşar xəbərlər|paylaş|bütün hüquqlar qorunur|etiketlər|şərhlər|son xəbərlər|ilgili haberler|"
    r"benzer haberler|tüm hakları saklıdır|etiketler|yorumlar|son dakika"
)
# Furniture that also sits inside an article: ad labels and one-line links to other stories.
_INLINE_BLOCK: Final = (
    r"advertisement|sponsored|anzeige|werbung|реклама|publicidad|pubblicità|publicité|reklama|reklam|click here|continue reading|"
    r"read (?:the )?(?:full|whole) (?:story|article)|читать (?:далее|дальше|полностью)|читати далі|czytaj dalej|leer más|seguir leyendo|"
    r"continua a leggere|leggi (?:tutto|di più)|"
    r"an official website of the|here[’']s how you know|this article is more than \d+ (?:days?|weeks?|months?|years?) old|"
    r"thank you! your submission has been received|learn about our editorial (?:policies|process)|we care about your privacy|"
    r"(?:новость|статья|читайте) по теме|новина за темою|select an option|what are you looking for|follow publication|sign in my account|"
    r"bild (?:anzeigen|vergrößern)|vollbildansicht|(?:pressemitteilung|artikel) als pdf|pdf herunterladen|download (?:the )?pdf|"
    r"official websites use \.gov|secure \.gov websites use https|check (?:the )?price (?:at|on)|check [\w.&'’ -]{1,30}\(on sale|"
    r"(?:dein|ihr) browser ist (?:leider )?veraltet|was (?:möchtest du|möchten sie) suchen|wonach suchen sie|kontrast ändern|"
    r"mitglied seit|member since|erstellt von|abb(?:ildung)?\.?:|photographs? by"
)
_BLOCK_START: Final = re.compile(rf"(?:{_END_BLOCK}|{_INLINE_BLOCK}|источник|главное)(?!\w)")


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regex: 'a|(?:b|c)d|[|]' -> ['a', '(?:b|c)d', '[|]']."""
    parts, start = [], 0
    for i, char, depth in _scan(pattern):
        if char == "|" and not depth:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _scan(pattern: str):
    """(index, character, group depth) of the regex syntax characters outside escapes and character classes."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            i += 1
            continue
        if char == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # a ']' first in a class is a character of it
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return
        yield i, char, depth
        i += 1


def _first_chars(alternative: str) -> frozenset[str] | None:
    """The characters a match of a regex alternative can start with, or None when that takes more than literal
    characters and non-capturing groups of them to say ('\\d+ comments', '[lt]e', '')."""
    if alternative[:1] and alternative[0] not in "\\()[].^$*+?{|":
        if alternative[1:2] in ("?", "*", "{"):
            return None
        return frozenset(alternative[0])
    if not alternative.startswith("(?:"):
        return None
    end = next((i for i, char, depth in _scan(alternative) if char == ")" and depth == 0), None)
    if end is None:
        return None
    inner: list[frozenset[str]] = []
    for option in _alternatives(alternative[3:end]):
        first = _first_chars(option)
        if first is None:
            return None
        inner.append(first)
    chars = frozenset().union(*inner)
    rest = alternative[end + 1 :]
    if rest[:1] in ("?", "*"):  # an optional group: the rest can start the match too
        after = _first_chars(rest[1:])
        return None if after is None else chars | after
    return None if rest[:1] == "{" else chars


class _FirstCharPattern:
    """A case-sensitive alternation of phrases, matched at the start of a text by its first character: only the
    alternatives that can start with it are tried (in their order). The same matches as the whole alternation:
    an alternative whose matches start with other characters cannot match there. Much faster on a long list
    of phrases: the regex engine tries alternatives one by one."""

    def __init__(self, pattern: str, suffix: str = ""):
        alternatives = _alternatives(pattern)
        firsts = [_first_chars(alternative) for alternative in alternatives]

        def compiled(char: str | None) -> re.Pattern[str] | None:
            keep = [a for a, first in zip(alternatives, firsts) if first is None or char in first]
            return re.compile(f"(?:{'|'.join(keep)}){suffix}") if keep else None

        self.whole = re.compile(f"(?:{pattern}){suffix}")
        self._other = compiled(None)
        self._by_first = {char: compiled(char) for char in frozenset().union(*(f for f in firsts if f is not None))}

    def _pattern(self, text: str) -> re.Pattern[str] | None:
        return self._by_first.get(text[0], self._other) if text else self.whole

    def match(self, text: str) -> re.Match[str] | None:
        pattern = self._pattern(text)
        return pattern.match(text) if pattern is not None else None

    def fullmatch(self, text: str) -> re.Match[str] | None:
        pattern = self._pattern(text)
        return pattern.fullmatch(text) if pattern is not None else None


_BLOCK_START_BY_FIRST: Final = _FirstCharPattern(f"{_END_BLOCK}|{_INLINE_BLOCK}|источник|главное", r"(?!\w)")
# The heading alone, or with a count or up to two words: 'Comments (3)', 'Другие новости раздела'.
_END_BLOCK_LINE: Final = re.compile(rf"(?:{_END_BLOCK})(?:\W+\w+){{0,2}}\W*$")
# 'Read more: <headline of another story>': a link line of any length, inside the article or after it.
_READ_MORE_LINE: Final = re.compile(
    r"(?:read (?:more|also)|also read|see also|more on this|related|lea (?:más|también)|lee (?:más|también)|[lt]e puede interesar|"
    r"leia (?:também|mais)|veja também|lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|(?:à )?lire aussi|voir aussi|"
    r"leggi anche|czytaj (?:także|też|więcej)|zobacz (?:także|też|również)|читайте (?:также|також)|смотрите также|lees ook|lue myös)"
    r"\s*[:>»›→]"
)
_MAX_READ_MORE_WORDS: Final = 40
# Apparatus after the text, as the whole line only (a sentence may start with 'Sources say ...').
_APPARATUS_LINE: Final = re.compile(
    r"(?:article |further )?(?:sources|references|footnotes|bibliography|works cited|citations|endnotes)|quellen(?:angaben)?|"
    r"einzelnachweise|literaturverzeichnis|fußnoten|références|bibliographie|referencias|fuentes|bibliografía|referências|"
    r"fontes|przypisy|bibliografia|źródła|источники|литература|список литературы|примечания|джерела"
)
_MAX_APPARATUS_WORDS: Final = 3
_MAX_REPLY_WORDS: Final = 8
# The action link under each comment of a thread, as the whole line: 'Reply', 'Antworten', 'Ответить'.
# A link's arrow after its label: 'Reply ↓', 'Learn more →', 'Alle anzeigen ›'.
_LINK_ARROW: Final = r"(?:\s*[→↓▼►»›↗⬇➔➜⟶]+)?"
_REPLY_LINE: Final = re.compile(
    r"(?:reply|replydelete|reply to this|antworten|antwort|répondre|responder|responda|rispondi|odpowiedz|ответить|відповісти|"
    r"yanıtla|cavab ver|beantwoorden|svara|vastaa)"
    r"(?:\W+(?:share|delete|report|quote|like|gefällt mir|melden|teilen|zitieren|me gusta|denunciar|j'aime|signaler|mi piace|"
    r"segnala|нравится|пожаловаться))*" + _LINK_ARROW
)
_APPARATUS_LINE_BY_FIRST: Final = _FirstCharPattern(_APPARATUS_LINE.pattern)
# A button or a call to action, as the whole line: 'Book a demo', 'See price at Amazon', 'Jetzt kostenlos anmelden'.
_MAX_ACTION_WORDS: Final = 6
_CALL_TO_ACTION: Final = re.compile(
    r"(?:(?:learn|read|find out) more|book (?:now|today|online|a (?:demo|call|consultation|tour|free \w+)|your \w+(?: \w+){0,3})|"
    r"subscribe(?: .*)?|contact us(?: today| now)?|get in touch|get started(?: .*)?|back(?: to (?:top|all \w+|the \w+|\w+))?|"
    r"(?:view|see) (?:all|more|deal|deals|price|prices|pricing|plans|packages|on|at)(?: .*)?|jump to(?: .*)?|"
    r"(?:print|save|pin|rate) (?:this |the )?recipe|rezept (?:drucken|speichern|merken|bewerten|pinnen)|imprimer la recette|"
    r"buy (?:now|it now|on|at|from)(?: .*)?|shop (?:now|all|online)|order (?:now|today|online)|apply (?:now|today|online)|"
    r"start (?:your |a )?free(?: .*)?|join (?:our|the|us|now)(?: .*)?|read (?:the |our )?(?:full )?review|sign[ -]?up(?: .*)?|"
    r"(?:get|claim|request) (?:a |an |your |the )?(?:free|quote|demo|trial|offer|discount|deal|ebook|e-book|guide)(?: .*)?|"
    r"download (?:our|the|now|free|it|your)(?: .*)?|access (?:the|our|your) (?:\w+ )?(?:ebook|e-book|guide|report|whitepaper)|"
    r"try (?:it )?(?:for )?free(?: .*)?|schedule (?:a|your) (?:demo|call|consultation)|support (?:us|our \w+)|donate(?: now| today)?|"
    # German, French, Spanish, Italian, Russian
    r"mehr erfahren|jetzt (?:\w+ ){0,2}(?:anmelden|registrieren|bestellen|kaufen|abonnieren|buchen|testen|spenden|sichern)|"
    r"zum (?:shop|angebot)|hier (?:\w+ )?(?:anmelden|bestellen|klicken|kaufen)|zurück(?: zu[rm]? \w+)?|(?:ausgabe|heft) kaufen|"
    r"kostenlos (?:testen|registrieren|anmelden)|(?:je )?m'abonner|s'abonner|acheter(?: maintenant)?|réserver(?: maintenant)?|"
    r"comprar(?: ahora| ya)?|reservar(?: ahora)?|más información|acquista(?: ora)?|подробнее|купить|подписаться|записаться)"
    + _LINK_ARROW
)
# The link mark follows the phrase within this many characters (a cheap test before the pattern).
_READ_MORE_MARK: Final = re.compile(r"[:>»›→]")
_READ_MORE_HEAD: Final = 32
_COPYRIGHT: Final = re.compile(r"^(?:©|\(c\)|copyright\b)", re.IGNORECASE)
_COOKIE: Final = re.compile(r"\bcookies?\b|куки|cookie-файл", re.IGNORECASE)
_MAX_BLOCK_WORDS: Final = 12
# Share bars: 'Facebook Twitter WhatsApp E-Mail', 'Teilen Twittern Pinnen', 'Поделиться: ВКонтакте'.
_SOCIAL: Final = frozenset(
    "facebook twitter x whatsapp telegram pinterest linkedin xing reddit tumblr vk vkontakte вконтакте одноклассники "
    "viber instagram youtube tiktok flipboard messenger email e-mail mail print drucken tweet twittern pinnen share "
    "teilen compartir partager condividi udostępnij поделиться copy link pocket".split()
)
_MIN_SOCIAL_WORDS: Final = 2

MEDIA_WORDS = {
    "photo": r"фото|фотографии|фоторепортаж|фотогалерея|photos?|fotos?|fotoğraf(?:lar)?|şəkil(?:lər)?|fotogalereya|bilder|bild",
    "video": r"видео|відео|videos?|vídeo|videolar|видеосюжет",
    "audio": r"аудио|аудіо|audio|podcast|подкаст",
    "gallery": r"галерея|gallery|galerie|galeri|fotoqalereya",
    "infographic": r"инфографика|інфографіка|infographic|infografika|infografik",
}
_MEDIA_WORD: Final = "|".join(MEDIA_WORDS.values())
_MEDIA_JOIN: Final = r"(?:\s*[-,/+&]\s*|\s+(?:и|і|and|və|ve|und|y|et)\s+)"
_MEDIA_GROUP: Final = rf"(?:{_MEDIA_WORD})(?:{_MEDIA_JOIN}(?:{_MEDIA_WORD}))*"
# '(Фото-Видео)', '[VIDEO]', trailing '| ФОТО' or ' - VIDEO' (upper case only), at either end of a title.
_TITLE_MARKER_END: Final = re.compile(
    rf"\s*(?:[(\[]\s*(?P<a>{_MEDIA_GROUP})\s*[)\]]|\s[-–—|:]\s*(?P<b>(?-i:[A-ZА-ЯЁІЇЄƏÜÖĞŞÇİ][A-ZА-ЯЁІЇЄƏÜÖĞŞÇİ\s,+/&-]*)))\s*$",
    re.IGNORECASE,
)
_TITLE_MARKER_START: Final = re.compile(rf"^\s*[(\[]\s*(?P<a>{_MEDIA_GROUP})\s*[)\]]\s*", re.IGNORECASE)
_CAPTION: Final = re.compile(
    rf"^(?P<m>{_MEDIA_WORD}|watch|смотрите|смотреть)\s*(?:[:|]|\s[-–—]\s)", re.IGNORECASE
)
# A caption names its medium, then a colon, a bar or a dash, within its first characters.
_CAPTION_MARK: Final = re.compile(r"[:|–—-]")
_CAPTION_HEAD: Final = 40
_MEDIA_KIND: Final = [(kind, re.compile(rf"^(?:{pattern})$", re.IGNORECASE)) for kind, pattern in MEDIA_WORDS.items()]


def media_kinds(marker: str) -> set[str]:
    kinds = set()
    for word in re.split(_MEDIA_JOIN, marker.strip(), flags=re.IGNORECASE):
        word = word.strip()
        for kind, pattern in _MEDIA_KIND:
            if pattern.match(word):
                kinds.add(kind)
    return kinds


def may_hold_title_markers(title: str) -> bool:
    """A media marker can end or start the title: it ends with ')', ']' or a word in capitals, or starts with
    '(' or '[' (cheap: most lines have neither, and strip_title_markers then has nothing to do)."""
    stripped = title.strip()
    if not stripped:
        return False
    last = stripped[-1]
    return last in ")]" or (last.isupper() and stripped.rsplit(None, 1)[-1].isupper()) or stripped[0] in "(["


def strip_title_markers(title: str) -> tuple[str, set[str]]:
    """Remove media markers from a title; return the clean title and the media they announce."""
    media: set[str] = set()
    if not may_hold_title_markers(title):
        return title, media
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


# A gallery's counter, alone or before its caption: 'Image 1 of 8', 'Bild 2 von 10', '1 of 4 A shopper looks at ...'.
# Without a media word, 'N of M' alone is a counter, and before a caption only when capitalised text follows (not
# '5 von 5 Sternen', '3 of 13 comments').
_GALLERY_COUNTER: Final = re.compile(
    rf"(?:(?P<m>{_MEDIA_WORD}|image|picture|slide|изображение)\s+)?\d{{1,3}}\s+(?:of|von|из|de|di|sur|z|van)\s+/?\s*\d{{1,3}}(?P<rest>\s+\S.*)?$",
    re.IGNORECASE,
)
_GALLERY_CAPTION_WORDS: Final = 8


def _gallery_counter(text: str, words: int) -> bool:
    m = _GALLERY_COUNTER.match(text)
    if m is None:
        return False
    rest = m.group("rest")
    return m.group("m") is not None or rest is None or (rest.lstrip()[0].isupper() and words - 4 >= _GALLERY_CAPTION_WORDS)


def caption_media(text: str, words: int) -> set[str]:
    """Media announced by a caption line such as 'Photo: AP' or 'Watch: ...', or by a gallery's counter
    (empty if not a caption)."""
    if (text[0].isdigit() or text[0].isalpha()) and _gallery_counter(text, words):
        return {"gallery"}
    if words > 25 or not _CAPTION_MARK.search(text, 0, _CAPTION_HEAD):
        return set()
    m = _CAPTION.match(text)
    if not m:
        return set()
    word = m.group("m").casefold()
    if word in ("watch", "смотрите", "смотреть"):
        return {"video"}
    return media_kinds(word)


# A breadcrumb's label, alone or before the trail ('Sie sind hier: Home » Reisen » Emden'): the trail can be long.
_YOU_ARE_HERE: Final = (
    "you are here", "sie sind hier", "du bist hier", "vous êtes ici", "usted está aquí", "estás aquí", "jesteś tutaj",
    "sei qui", "вы здесь", "ви тут",
)


def _starts_breadcrumb(key: str) -> bool:
    if not key.startswith(_YOU_ARE_HERE):
        return False
    label = next(label for label in _YOU_ARE_HERE if key.startswith(label))
    return not key[len(label) : len(label) + 1].isalnum()


# The row a blog prints under a post, however long: 'This entry was posted in News and tagged ...', 'Comments are closed.'
_POST_FOOTER: Final = (
    "this entry was posted", "dieser eintrag wurde veröffentlicht", "dieser beitrag wurde veröffentlicht", "comments are closed",
    "kommentare sind geschlossen", "kommentare geschlossen", "die kommentarfunktion ist geschlossen", "les commentaires sont fermés",
)
_MAX_POST_FOOTER_WORDS: Final = 60


def _is_post_footer(key: str, words: int) -> bool:
    return words <= _MAX_POST_FOOTER_WORDS and key.startswith(_POST_FOOTER)


def is_site_block_line(key: str, words: int, text: str = "") -> bool:
    """A short line that names a site block (related, share, comments, legal) or a cookie notice; or, however
    long, a breadcrumb trail under its label ('You are here: Home » News') or a blog's row under a post.

    `key` is the line's normalised key; `text` the line itself (the key has lost symbols like '©').
    """
    if _starts_breadcrumb(key) or _is_post_footer(key, words):
        return True
    if words <= _MAX_BLOCK_WORDS and (_BLOCK_START_BY_FIRST.match(key) or _COPYRIGHT.match(text.lstrip()) or _is_share_bar(key)):
        return True
    if words <= _MAX_APPARATUS_WORDS and _APPARATUS_LINE_BY_FIRST.fullmatch(key):
        return True
    if words <= _MAX_REPLY_WORDS and _REPLY_LINE.fullmatch(key):
        return True
    if words <= _MAX_READ_MORE_WORDS and _READ_MORE_MARK.search(key, 0, _READ_MORE_HEAD) and _READ_MORE_LINE.match(key):
        return True
    # The key is casefolded: a cookie notice's key holds 'cook' or 'куки' literally (the substring
    # test is much faster than the case-insensitive search it guards).
    return words <= 40 and ("cook" in key or "куки" in key) and bool(_COOKIE.search(key))


# A newsletter's pitch inside or after the text: 'Get Quanta Magazine delivered to your inbox', 'Sign up for our newsletter,
# The Selection, and shop smarter.', 'Subscribe to NJ.com’s newsletters.', 'Die wichtigsten News direkt in Ihr Postfach'.
# Matched against the line's key, after a cheap search for one of _PITCH_WORDS (one C call, not one per word).
_NEWSLETTER_PITCH: Final = re.compile(
    r"(?:delivered|sent)(?: \w+){0,2} (?:to|in|into) your (?:e-?mail )?inbox|"
    r"^(?:get|receive|never miss|keep an eye on)\b.{0,80}\byour (?:e-?mail )?inbox|"
    r"\b(?:sign up|subscribe)(?: now| today)? (?:for|to) (?:our|the|my|[\w.-]+['’]s)\b.{0,60}\bnewsletters?\b|"
    r"\bjoin (?:our|my|the)(?: \w+){0,3} (?:mailing list|newsletter)\b|^thanks for (?:reading|subscribing)\b|"
    r"\b(?:direkt|bequem|jede woche|einmal pro woche) (?:in (?:ihr|dein|euer) (?:e-mail-)?postfach)|"
    r"\b(?:abonnieren sie|abonniere|melden sie sich|melde dich)\b.{0,40}\bnewsletter|"
    r"\bdans votre boîte (?:mail|e-mail|de réception)|\binscrivez-vous à (?:notre|la) newsletter|"
    r"\ben tu bandeja de entrada|\bsuscr[ií]bete a (?:nuestro|nuestra) (?:boletín|newsletter)|"
    r"\bподпишитесь на (?:нашу )?рассылку|\bzapisz się (?:na|do) (?:nasz(?:ego|ej)? )?newslett|\bdo (?:twojej|twoich) skrzyn"
)
_PITCH_WORDS: Final = re.compile("inbox|newsletter|mailing list|thanks for|postfach|boîte|bandeja|boletín|рассылк|skrzyn")
_MAX_PITCH_WORDS: Final = 30


def is_newsletter_pitch(key: str, words: int) -> bool:
    """A line that asks the reader to sign up for a newsletter or promises one in their inbox."""
    return words <= _MAX_PITCH_WORDS and _PITCH_WORDS.search(key) is not None and _NEWSLETTER_PITCH.search(key) is not None


# Widgets a renderer leaves as a line of their own: an embed's placeholder ('View this post on Instagram', 'A post shared
# by ...'), a table of contents' heading, a pin button. Matched against the whole line key.
_WIDGET_LINE: Final = re.compile(
    r"view this post on instagram|sieh dir diesen beitrag auf instagram an|voir cette publication sur instagram|"
    r"ver esta publicación en instagram|a post shared by .{1,60}|ein beitrag geteilt von .{1,60}|"
    r"(?:table of )?contents|in this article|on this page|jump to section|inhaltsverzeichnis|inhalt|содержание|оглавление|"
    r"sommaire|índice|spis treści|pin(?: it)?|"
    # buttons and counters of share, like, comment and shop widgets, and their messages
    r"(?:\d+ )?(?:likes?|shares?)|sharing is caring|show more sharing options|copied|copy(?: link)?|"
    r"\d+ (?:comments?|kommentare?|комментари\w*)|load (?:more )?comments|\d+ (?:from|von|из) \d+ (?:votes|stimmen|bewertungen|голос\w*)|"
    r"\(?\d+ videos?\)?|more videos(?: \.\.\.)?|watch (?:the )?(?:demo|video)|скачать (?:аудио|видео)(?: файл)?|"
    r"(?:in den|zum) warenkorb|add to (?:cart|basket|bag)|zum deal(?: »)?|full bio|previous next|"
    r"oops! something went wrong while submitting the form|no (?:items|results) found|"
    r"\d+ min(?:ute)?s? read|lesezeit:? \d+ min(?:uten|\.)?|"
    r"save|download|drucken|print|close|schließen|check(?: prices?)?|price comparison from .{1,40}|"
    r"ver más|mostrar más|mehr anzeigen|voir plus|show more|показать (?:ещё|еще|больше)|\d+ / \d+|\[?email protected\]?"
)
# The instruction of a 'copy this link' box, which ends with the label of the menu entry: 'Right-click and choose "Copy
# link"', 'Нажмите правой клавишей мыши и выберите «Копировать ссылку»'. Searched for in short lines whose key ends with
# one of the labels (one endswith call, much cheaper than the pattern).
_COPY_LINK: Final = re.compile(
    r"(?:^|[\s«\"'„“‘])(?:copy link(?: address| location)?|копировать (?:ссылку|адрес ссылки)|link(?:adresse)? kopieren|"
    r"copier (?:le lien|l'adresse du lien)|copiar (?:el )?(?:enlace|vínculo))$"
)
_COPY_LABEL_ENDS: Final = ("copy link", "address", "location", "ссылку", "ссылки", "kopieren", "lien", "enlace", "vínculo")
# A link's label that says where it opens: 'Click to share on Bluesky (Opens in new window)', 'Klick, um über Twitter zu
# teilen (Wird in neuem Fenster geöffnet)'. Searched for in short lines.
_OPENS_ELSEWHERE: Final = re.compile(
    r"\(?(?:opens|open) in (?:a )?new (?:window|tab)\)?|\(?wird in neuem fenster geöffnet\)?|"
    r"\(?s'ouvre dans une nouvelle fenêtre\)?|\(?se abre en una nueva ventana\)?"
)
# A shop button with its price, alone or several in a row: '$14 at Amazon', '$58 at Amazon $78 at Home Depot', '19,90 € bei Otto'
# (a shop's name: a word, then capitalised ones).
_PRICE_BUTTON: Final = re.compile(
    r"(?:(?:[$£€]\s?\d[\d.,]*|\d[\d.,]*\s?€)\s(?:at|on|from|bei|chez)\s[^\s$£€]+(?:\s[A-Z&][^\s$£€]*){0,3}\s*)+"
)
_MAX_WIDGET_WORDS: Final = 16


def is_widget_line(text: str, key: str, words: int) -> bool:
    """A line that is a widget's text, not a paragraph (see _WIDGET_LINE and _PRICE_BUTTON)."""
    if words > _MAX_WIDGET_WORDS:
        return False
    if _WIDGET_LINE.fullmatch(key) is not None:
        return True
    if key.endswith(_COPY_LABEL_ENDS) and _COPY_LINK.search(key) is not None:
        return True
    if ("new" in key or "neuem" in key or "nouvelle" in key or "nueva" in key) and _OPENS_ELSEWHERE.search(key) is not None:
        return True
    return (text[0] in "$£€" or "€" in text) and _PRICE_BUTTON.fullmatch(text) is not None


def is_call_to_action(key: str, words: int) -> bool:
    """A button or a call to action alone on its line ('Book a demo', 'See price at Amazon')."""
    return words <= _MAX_ACTION_WORDS and _CALL_TO_ACTION.fullmatch(key) is not None


def is_button_or_widget(text: str, key: str, words: int) -> bool:
    """A line that is furniture by its own words wherever it stands: a button or call to action, a newsletter's
    pitch, a widget's line. Neither a paragraph nor a headline."""
    return is_call_to_action(key, words) or is_newsletter_pitch(key, words) or is_widget_line(text, key, words)


def is_social_word(key: str) -> bool:
    """A share button's or a social network's name alone ('Twitter', 'WhatsApp', 'Drucken')."""
    return key.strip(".:·•") in _SOCIAL


def _is_share_bar(key: str) -> bool:
    tokens = key.replace("\xad", "").replace(",", " ").replace("|", " ").split()
    if len(tokens) < _MIN_SOCIAL_WORDS:
        return False  # a single word is no share bar
    social = sum(map(_SOCIAL.__contains__, [token.strip(".:·•") for token in tokens]))
    return social >= _MIN_SOCIAL_WORDS and 2 * social >= len(tokens)


# A comment section's heading quotes the headline: '4 thoughts on “Title”', 'Ein Gedanke zu „Title“'.
_COMMENTS_ON: Final = re.compile(
    r"(?:\d+|one|two|three|four|five|ein|eine|zwei|drei|vier|fünf|un|une|uno|una)\s+"
    r"(?:thoughts?|comments?|responses?|repl(?:y|ies)|gedanken?|kommentare?|antworten?|reaktionen|"
    r"réponses?|commentaires?|comentarios?|respuestas?|commenti|risposte|reacties|komentarz[ey]?|"
    r"комментари[йяев]*|ответ(?:а|ов)?)\s+"
    r"(?:on|to|about|zu|zum|zur|auf|für|über|à|a|sur|en|de|su|op|do|к|на)\s+"
    r"[\"'“”„«»‘’‚](.+?)[\"'“”„«»‘’‚]\s*$",
    re.IGNORECASE,
)
_COMMENTS_ON_MAX_WORDS: Final = 40
_CLOSING_QUOTES: Final = frozenset("\"'“”„«»‘’‚")  # the quotes _COMMENTS_ON closes the quoted line with


def comments_quote(text: str, words: int) -> str:
    """The line quoted by a comment section's heading ('4 thoughts on “Title”' -> 'Title'), else ''."""
    if words > _COMMENTS_ON_MAX_WORDS or text[-1:] not in _CLOSING_QUOTES:  # a cheap test first
        return ""
    m = _COMMENTS_ON.match(text)
    return m[1] if m else ""


def is_end_block_heading(key: str, words: int, text: str = "") -> bool:
    """The line is only the heading of a block that follows an article ('Related articles', 'Comments (3)',
    '© 2021 Example'), or a blog's row under a post (see _POST_FOOTER): the article has ended."""
    if _is_post_footer(key, words):
        return True
    if words > 8:
        return False
    return bool(_END_BLOCK_LINE.match(key)) or bool(_COPYRIGHT.match(text.lstrip())) or (
        words <= _MAX_APPARATUS_WORDS and bool(_APPARATUS_LINE.fullmatch(key)))


# Photo credits and source notes: '(© Reuters)', 'Foto: dpa', 'Quelle: Pixabay', 'Image credit: NASA'.
_CREDIT: Final = re.compile(
    r"^[(\[]?\s*(?:©|\(c\)|(?:photo|image|picture|video)?\s*(?:credits?|courtesy)|"
    r"(?:photo|foto|fotos|image|bild|bilder|picture|quelle|bildquelle|source|sources|fuente|fonte|źródło|"
    r"zdjęcie|fot|фото|источник|джерело|mənbə|kaynak|illustration|grafik|graphic|titelbild|header(?:bild)?)"
    r"(?:\s*/\s*\w+)?\s*[:|/]|(?:photo|foto|bild|фото)\s+(?:by|von|de|di|\w+:))",
    re.IGNORECASE,
)
_MAX_CREDIT_WORDS: Final = 15
# A caption ends with its credit: '... on Monday. Photo: Jane Roe/Reuters', '... © APA/dpa'.
_CREDIT_TAIL: Final = re.compile(
    r"(?:©|\(c\)\s|\b(?:photos?|fotos?|bild|image|picture|credit|фото)\s*(?::|by\b|von\b)|"
    r"\b(?:getty images|shutterstock|istock(?:photo)?|imago(?: images)?|picture alliance|ap photo|afp)\b)[^.!?]*$|"
    # Russian captions name the source after the bare word: 'Фото city.kharkov.ua', 'Фото с сайта example.ru'.
    r"(?-i:\bФото)\s+(?:с сайта\s+)?[^\s!?]+$",
    re.IGNORECASE,
)
_MAX_CAPTION_WORDS: Final = 45
_CREDIT_TAIL_CHARS: Final = 80
# Words that start a credit without punctuation ('Photo by ...').
_CREDIT_WORDS: Final = ("photo", "foto", "bild", "image", "picture", "credit", "courtesy", "video", "фото", "(c)",
                 "getty", "shutterstock", "istock", "imago", "alliance", "afp")


def is_credit_line(text: str, words: int) -> bool:
    """A photo credit, a source note, or a caption ending with its credit: neither headline nor body."""
    if words > _MAX_CAPTION_WORDS:
        return False
    if words <= _MAX_CREDIT_WORDS and (_CAPTION_MARK.search(text, 0, _CAPTION_HEAD) or "©" in text[:4] or
                                       text[:12].casefold().lstrip("([ ").startswith(_CREDIT_WORDS)):
        if _CREDIT.match(text):
            return True
    # A credit tail runs to the end of the line without sentence punctuation, and holds none itself: it starts
    # after the last '.', '!' or '?' (on prose, that leaves nothing to search). A stop before the last
    # _CREDIT_TAIL_CHARS + 1 characters moves no start: only those are looked at.
    start = max(0, len(text) - _CREDIT_TAIL_CHARS, _last_stop(text, len(text) - _CREDIT_TAIL_CHARS - 1) + 1)
    tail = text[start:]
    if not _has_credit_needle(tail.lower()) and (tail.isascii() or not _CASELESS_EXTRAS.search(tail)):
        return False
    return bool(_CREDIT_TAIL.search(text, start))


# A disclosure that links earn the site money ('This post may contain affiliate links.', 'As an Amazon Associate I earn
# from qualifying purchases.', 'Dieser Artikel enthält Affiliate-Links'): a marker of the disclosure and the site or the
# writer speaking of itself, so that an article about affiliate marketing keeps its sentences.
# Without their first letter, the needles match in lower case and capitalised alike: no lower() of every line.
_DISCLOSURE_NEEDLES: Final = ("ffiliat", "ommission", "ompensation", "ualifying purchases", "artnerlink", "rovision")
_DISCLOSURE_MARK: Final = re.compile(
    r"affiliate[- ]?links?|affiliatelinks?|partnerlinks?|commissionable links|amazon[- ](?:associate|affiliate)"
    r"|qualifying purchases|(?:earn|receive|get|make)s? (?:a |an )?(?:small |affiliate )?(?:commissions?|compensation)"
    r"|(?:erhalte[nt]?|bekomme[n]?) (?:wir |ich )?(?:eine )?(?:kleine )?provision|advertising disclosure",
    re.IGNORECASE,
)
_DISCLOSURE_SELF: Final = re.compile(
    r"\b(?:we|i|us|our|my|this (?:post|article|page|site|website|blog|podcast|story|content|review)"
    r"|diese[rsm]? (?:artikel|beitrag|seite)|disclosure|disclaimer|du|ihr|wir|ich|uns|nous)\b",
    re.IGNORECASE,
)
_MAX_DISCLOSURE_WORDS: Final = 60


def is_disclosure(text: str, words: int) -> bool:
    """A note that the page's links may earn it a commission: neither headline nor body."""
    if words > _MAX_DISCLOSURE_WORDS:
        return False
    if not any(needle in text for needle in _DISCLOSURE_NEEDLES):
        return False
    return _DISCLOSURE_MARK.search(text) is not None and _DISCLOSURE_SELF.search(text) is not None


# Every match of _CREDIT_TAIL holds one of these, case-insensitively. On a text without the characters of
# _CASELESS_EXTRAS, lower() gives each character the one IGNORECASE compares with the needles' letters, so a tail
# whose lower() holds no needle has no match: substring tests are much faster than the search.
_CREDIT_TAIL_NEEDLES: Final = ("photo", "foto", "bild", "image", "picture", "credit", "(c)", "©", "фото", "getty", "shutterstock",
                        "istock", "imago", "afp")
# The characters that IGNORECASE matches with a letter of a needle although lower() does not give that letter
# ('ſ' is 's', 'K' (Kelvin sign) is 'k', 'ᲂ' is 'о'), and 'İ', which lower() makes two characters.
_CASELESS_EXTRAS: Final = re.compile("[İıſᲂᲄᲅK]")


def _has_credit_needle(lowered: str) -> bool:
    for needle in _CREDIT_TAIL_NEEDLES:
        if needle in lowered:
            return True
    return False


def _last_stop(text: str, start: int = 0) -> int:
    """Where the last sentence ends: the last '.', '!' or '?' that ends the line or has a space after it (the dots of
    'example.com' and '3.5' end no sentence); -1 when none does (at or after `start`)."""
    end = len(text)
    start = max(start, 0)
    while True:
        stop = max(text.rfind(".", start, end), text.rfind("!", start, end), text.rfind("?", start, end))
        if stop < 0 or stop + 1 == len(text) or text[stop + 1].isspace():
            return stop
        end = stop
