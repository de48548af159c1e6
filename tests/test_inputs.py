import gzip
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus_lib.inputs import InputFile, InputReject, _control_share, decode_bytes, discover, read_page

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
