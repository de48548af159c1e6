import gzip
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus_lib.inputs import (
    InputFile, InputReject, _control_share, declared_charset, decode_bytes, discover, read_page, repair_mojibake,
)
from tests.pages import misread

RU = "Министр обороны встретился с делегацией и обсудил вопросы сотрудничества.\n"


@pytest.mark.parametrize(
    "raw, encoding",
    [
        (RU.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + RU.encode("utf-8"), "utf-8-sig"),
        (RU.encode("utf-16"), "utf-16"),
        ((RU * 5).encode("cp1251"), "cp1251"),
        ((RU * 5).encode("koi8-r"), "koi8-r"),
    ],
)
def test_encodings_are_detected_not_garbled(raw, encoding):
    text, used = decode_bytes(raw)
    assert used == encoding
    assert text.startswith("Министр обороны")


# News text in each script, written here. Latin-script code pages differ in a few letters, so their pages
# are a paragraph long: a sentence or two with a handful of accents is ambiguous between them.
LEGACY = {
    "gb18030": "新华社北京5月18日电 国务院今天召开常务会议，研究部署经济工作。会议指出，要稳定市场预期。\n",
    "big5": "中央社台北5月18日電 行政院今天召開院會，通過多項法案，並討論經濟發展與民生議題。\n",
    "shift_jis": "東京都は18日、新たな交通政策を発表した。専門家は慎重な対応を呼びかけている。\n",
    "euc-jp": "東京都は18日、新たな交通政策を発表した。専門家は慎重な対応を呼びかけている。\n",
    "euc-kr": "서울시는 18일 새로운 교통 정책을 발표했다. 시민들의 반응은 엇갈리고 있다.\n",
    "cp1254": (
        "Cumhurbaşkanı bugün Ankara'da yabancı heyeti kabul etti. Görüşmede ikili ilişkiler, ekonomi ve "
        "güvenlik konuları ele alındı. Dışişleri Bakanı, iki ülke arasındaki ticaretin geçen yıl önemli "
        "ölçüde arttığını söyledi. Toplantının ardından yapılan açıklamada, enerji ve ulaştırma "
        "alanlarında yeni anlaşmaların imzalanacağı belirtildi. Uzmanlar, bu adımların bölgedeki "
        "istikrara katkı sağlayacağını düşünüyor. Heyet yarın İstanbul'da iş dünyasının temsilcileriyle "
        "buluşacak.\n"
    ),
    "cp1250": (
        "Prezydent spotkał się dzisiaj z przedstawicielami rządu w Warszawie. Rozmawiano o gospodarce, o "
        "cenach żywności i o łączności w małych miejscowościach. Minister finansów przedstawił plan "
        "budżetu na przyszły rok, a posłowie zadawali pytania dotyczące podatków i świadczeń "
        "społecznych. Według źródeł zbliżonych do rządu decyzja zapadnie w przyszłym tygodniu. Opozycja "
        "krytykuje projekt i zapowiada własne poprawki, które mają chronić gospodarstwa domowe przed "
        "wzrostem kosztów.\n"
    ),
    "cp1253": "Ο πρωθυπουργός συναντήθηκε σήμερα με τους υπουργούς της κυβέρνησης για την οικονομία.\n",
    "cp1256": "التقى رئيس الوزراء اليوم مع أعضاء الحكومة لمناقشة الوضع الاقتصادي في البلاد.\n",
    "cp1252": (
        "Le président a rencontré aujourd’hui les représentants du gouvernement à Paris. Les échanges "
        "ont porté sur l’économie, l’éducation et la santé. Selon le ministre, les mesures annoncées "
        "entreront en vigueur dès l’été prochain. Les syndicats, déçus, réclament davantage de garanties "
        "pour les salariés les plus exposés. Une nouvelle réunion est prévue à la fin du mois.\n"
    ),
}


@pytest.mark.parametrize("encoding", sorted(LEGACY))
@pytest.mark.parametrize("copies", [1, 5])
def test_legacy_encodings_beyond_cyrillic_are_detected(encoding, copies):
    page = LEGACY[encoding] * copies
    text, used = decode_bytes(page.encode(encoding))
    assert text == page
    assert used == encoding


def test_among_encodings_giving_the_same_text_the_first_listed_is_recorded():
    # Plain Latin-1 German reads the same in cp1252 and cp1250: the Western code page is recorded.
    page = "Der Präsident traf heute Vertreter der Regierung. Es ging um Wirtschaft und Bildung für Bürger.\n"
    assert decode_bytes(page.encode("latin-1")) == (page, "cp1252")


@pytest.mark.parametrize(
    "declaration, codec",
    [
        ('<meta charset="GBK">', "gb18030"),
        ("<meta charset=gb2312>", "gb18030"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', "cp1251"),
        ("<META HTTP-EQUIV='content-type' CONTENT='text/html;charset=ISO-8859-1'>", "cp1252"),
        ('<meta charset="Shift_JIS">', "shift_jis"),
        ('<meta charset="utf-8">', None),  # UTF-8 is tried first anyway
        ('<meta charset="rot13">', None),  # a codec, but no page encoding
        ('<meta charset="base64">', None),
        ('<meta charset="utf-7">', None),
        ('<meta charset="no-such-codec">', None),
        ("<p>charset=cp1251 in the text is no declaration</p>", None),
    ],
)
def test_html_charset_declarations(declaration, codec):
    assert declared_charset(f"<html><head>{declaration}</head>".encode("ascii")) == codec


def test_a_declared_charset_decodes_an_html_page(tmp_path):
    html = '<html><head><meta charset="gbk"><title>新闻</title></head><body><p>新华社北京电 会议今天召开。</p></body></html>'
    (tmp_path / "a.html").write_bytes(html.encode("gbk"))
    page = read_page(InputFile("a.html", tmp_path / "a.html"), 1 << 20)
    assert (page.text, page.encoding) == (html, "gb18030")


# Latin-script text misread as windows-1251, and CJK text misread as a single-byte code page, which ftfy leaves alone;
# written here.
DE = "Für die Bürger ist die Straße über den Fluss gesperrt. Die Stadt prüft, ob die Brücke schön bleibt."
PL = "Władze miasta zamknęły most na rzece. Mieszkańcy mówią, że objazd jest długi i męczący."
ZH = "新华社北京6月4日电 话剧巡演今天在各市结束，观众反响强烈。演员们说，这段经历让他们难忘。"
ZH_TW = "中央社台北6月4日電 話劇巡演今天在各市結束，觀眾反應熱烈。演員們說，這段經歷讓他們難忘。"
QUOTES = "Thank a doctor on Doctors’ Day — we’ve made it easy."
DASHES = "Ich bin Du – und Du schaust zu: „Nachtschleife”"


def misread_single_byte(text: str, encoding: str, code_page: str = "cp1251") -> str:
    """A page saved in `encoding`, read as a single-byte code page (a byte the code page leaves undefined as the C1
    control of its number, as browsers do) and saved again as UTF-8."""
    return "".join(bytes([b]).decode(code_page, errors="ignore") or chr(b) for b in text.encode(encoding))


@pytest.mark.parametrize(
    "line, broken, used",
    [
        ("Artificial intelligence isn’t just changing websites—it’s reshaping how people find them.", "cp1252", "windows-1252"),
        ("Le président a rencontré aujourd’hui les représentants à Paris.", "cp1252", "windows-1252"),
        ("Советуем почитать: министр обороны встретился с делегацией.", "cp1251", "windows-1251"),
        ("Советуем почитать: министр обороны встретился с делегацией.", "cp1252", "windows-1252"),
        # Read as Latin-1, quotes and dashes keep C1 controls ('Doctorsâ\x80\x99', a windows-1252 page's 'Du \x96 und').
        (QUOTES, "latin-1", "latin-1"),
        (DASHES, misread_single_byte(DASHES, "cp1252", "latin-1"), "latin-1"),
        (DE, "cp1251", "windows-1251"),  # 'FГјr die BГјrger'
        (PL, "cp1251", "windows-1251"),  # 'WЕ‚adze miasta zamknД™Е‚y'
        (DE, misread_single_byte(DE, "cp1252"), "windows-1252 read as windows-1251"),  # 'Fьr die Bьrger'
        (PL, misread_single_byte(PL, "iso8859-2"), "iso-8859-2 read as windows-1251"),  # 'Wіadze miasta zamknкіy'
        # A CJK page tells itself by its misread full stop and comma, at least twice.
        (f"{ZH}\n{ZH}", misread_single_byte(f"{ZH}\n{ZH}", "gb18030"), "gb18030 read as windows-1251"),
        (f"{ZH}\n{ZH}", misread_single_byte(f"{ZH}\n{ZH}", "gb18030", "cp1252"), "gb18030 read as windows-1252"),
        (f"{ZH_TW}\n{ZH_TW}", misread_single_byte(f"{ZH_TW}\n{ZH_TW}", "big5"), "big5 read as windows-1251"),
    ],
)
def test_misread_text_is_repaired_and_the_encoding_says_so(line, broken, used):
    """`broken`: the misread text, or the code page UTF-8 was misread as."""
    if broken in ("cp1251", "cp1252", "latin-1"):
        broken = misread(line, broken)
    assert broken != line
    intact = "The rest of the page is as it was: € 12,00 – “intact” Größe, and enough of it to be text."
    text, encoding = decode_bytes(f"Home\n{broken}\n{intact}\n".encode("utf-8"))
    assert text == f"Home\n{line}\n{intact}\n"
    assert encoding == f"utf-8, mojibake repaired ({used})"


def test_only_the_misread_lines_of_a_page_change():
    intact = ["Größe und Preis: 12 €", "Министр обороны встретился с делегацией.", "“Quoted” — with a dash"]
    broken = misread("Der Beitrag wurde am Mittwoch veröffentlicht.", "cp1252")
    text, misread_as = repair_mojibake("\n".join([intact[0], broken, *intact[1:]]))
    assert text.split("\n") == [intact[0], "Der Beitrag wurde am Mittwoch veröffentlicht.", *intact[1:]]
    assert misread_as == ("latin-1",)  # 'Ã¶' reads alike in Latin-1 and windows-1252: ftfy names the first


@pytest.mark.parametrize(
    "page",
    [
        # Russian with Latin look-alike letters inside words, in a page of mostly ASCII markup.
        "Yтро.ru: aрхив новостей, Cуперпузыри и традиционной прессы. " + "<a href='/x'>link</a> " * 40,
        # English in look-alike spelling (spam), which is no misreading.
        "Аdvеrtіѕе wіth us. Wе оffеr thе bеѕt rаtеѕ in thе соuntrу. " + "Read more news here. " * 20,
        # German that quotes Russian words: the Cyrillic stands apart from the Latin letters.
        "Der Minister sagte auf Russisch: «Москва не верит слезам». Die Übersetzung folgt später. " * 3,
        # Only two misread words: too little to tell.
        "The city of Mьnchen and the river Dьna are both far away from here, said the report. " * 3,
    ],
)
def test_text_that_only_looks_misread_as_windows_1251_stays(page):
    assert repair_mojibake(page) == (page, ())


@pytest.mark.parametrize(
    "page",
    [
        "¡£5 de descuento! ¡£10 en tu primera compra! Selecciona tu región: Valparaíso, Ñuble. ¡Conoce más!\n" * 3,
        "Ўзбекістан ЎЈ Ј¬ ¡£ £¬\n",  # the marks, but nothing that reads back as Chinese
    ],
)
def test_text_with_the_marks_of_misread_cjk_but_none_stays(page):
    assert repair_mojibake(page) == (page, ())


@pytest.mark.parametrize("page", [RU, *LEGACY.values(), "SÃO PAULO E RIO DE JANEIRO", "café naïve Größe", "&amp; &#8217; ﬁne"])
def test_text_without_mojibake_is_left_as_it_is(page):
    assert repair_mojibake(page) == (page, ())


def test_a_wrong_declaration_falls_back_to_detection():
    html = "<html><head><meta charset=\"shift_jis\"></head><body>" + "Президент провёл совещание с правительством. " * 5
    raw = html.encode("cp1251")
    text, used = decode_bytes(raw, declared_charset(raw))
    assert (text, used) == (html, "cp1251")


def test_line_ends_are_normalised():
    assert decode_bytes(b"a\r\nb\rc\n")[0] == "a\nb\nc\n"


def test_binary_is_rejected():
    with pytest.raises(InputReject) as exc:
        decode_bytes(b"\x00\x01\x02binary\x00")
    assert exc.value.reason == "binary"


def _is_control(ch: str) -> bool:
    """The definition: C0 controls but tab, newline, form feed and CR; DEL and C1; the replacement character."""
    return (ord(ch) < 32 and ch not in "\n\r\t\f") or ord(ch) == 0x7F or 0x80 <= ord(ch) < 0xA0 or ch == "\ufffd"


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF) | st.characters(), max_size=300))
def test_control_share_counts_exactly_the_control_characters(text):
    expected = sum(map(_is_control, text)) / len(text) if text else 0.0
    assert _control_share(text) == expected


def test_control_share_on_every_bmp_character():
    for code in range(0x10000):
        ch = chr(code)
        assert _control_share(ch) == float(_is_control(ch)), hex(code)


def write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_gzip_pages_and_bombs(tmp_path):
    ok = write(tmp_path / "a.txt.gz", gzip.compress(RU.encode()))
    assert read_page(InputFile("a.txt.gz", ok), 1 << 20).text == RU
    bomb = write(tmp_path / "b.txt.gz", gzip.compress(b"a" * (5 << 20)))
    with pytest.raises(InputReject) as exc:
        read_page(InputFile("b.txt.gz", bomb), 1 << 20)
    assert exc.value.reason == "too_large" and "max_page_bytes" in exc.value.message
    broken = write(tmp_path / "c.txt.gz", b"not gzip at all")
    with pytest.raises(InputReject) as exc:
        read_page(InputFile("c.txt.gz", broken), 1 << 20)
    assert exc.value.reason == "bad_gzip"


@pytest.mark.parametrize("reported", [0, 10])
def test_a_file_bigger_than_its_reported_size_is_read_whole_and_still_bounded(tmp_path, monkeypatch, reported):
    # A file that grew after it was stat-ed, or a file system that reports no size: the read goes on past
    # the reported size, and max_bytes still holds.
    real_fstat = os.fstat

    def understated(fd):
        info = list(real_fstat(fd))
        info[6] = reported  # st_size
        return os.stat_result(info)

    monkeypatch.setattr("corpus_lib.inputs.os.fstat", understated)
    page = write(tmp_path / "a.txt", (RU * 40).encode())
    assert read_page(InputFile("a.txt", page), 1 << 20).text == RU * 40
    with pytest.raises(InputReject) as exc:
        read_page(InputFile("a.txt", page), len(RU.encode()) * 40 - 1)
    assert exc.value.reason == "too_large" and "larger than limits.max_page_bytes" in exc.value.message


def test_discover_is_sorted_and_accounts_for_everything(tmp_path):
    src = tmp_path / "src"
    write(src / "b" / "2.txt", b"x")
    write(src / "a" / "1.html", b"x")
    write(src / "a" / "notes.pdf", b"x")
    write(src / ".hidden.txt", b"x")
    write(src / "corpus.toml", b"")
    outside = write(tmp_path / "secret.txt", b"secret")
    os.symlink(outside, src / "link.txt")
    os.symlink(src / "b" / "2.txt", src / "inside-link.txt")
    os.symlink(src / "loop.txt", src / "loop.txt")
    files, rejects = discover(src)
    assert [f.source_file for f in files] == ["a/1.html", "b/2.txt", "inside-link.txt"]
    assert {name: r.reason for name, r in rejects} == {
        "a/notes.pdf": "unsupported_file_type",
        "link.txt": "symlink_outside_src",
        "loop.txt": "broken_symlink",
    }
