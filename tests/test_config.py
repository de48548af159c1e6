import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib.config import ConfigError, config_from_dict, load_config

EXAMPLE = """
[dataset]
name = "az-mod-news"
pretty_name = "Azerbaijan MoD news"
license = "cc-by-4.0"
[sources.mil]                 # files under SRC/mil/
name = "Ministry of Defence of the Republic of Azerbaijan"
homepage = "https://mil.az"
timezone = "Asia/Baku"
language = "ru"               # a hint, not a verdict
[splits]
test = 0.1                    # train gets the rest
salt = "v1"
"""


def test_the_documented_example_loads(tmp_path):
    path = tmp_path / "corpus.toml"
    path.write_text(EXAMPLE)
    cfg = load_config(path)
    assert cfg.name == "az-mod-news" and cfg.license == "cc-by-4.0"
    mil = cfg.source_for("mil/000.txt")
    assert (mil.name, mil.timezone, mil.language) == ("Ministry of Defence of the Republic of Azerbaijan", "Asia/Baku", "ru")
    assert cfg.splits.test == 0.1 and cfg.splits.salt == "v1"


def test_unconfigured_files_get_defaults():
    cfg = load_config(None)
    other = cfg.source_for("other/x.txt")
    assert other.key == "other" and other.name == "other" and other.timezone is None
    assert cfg.source_for("x.txt").key == "_root"
    assert cfg.default_timezone == "UTC"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ({"dataset": {"nmae": "x"}}, "dataset: Additional properties are not allowed ('nmae'"),
        ({"splits": {"test": "0.1"}}, "splits.test: '0.1' is not of type 'number'"),
        ({"splits": {"test": 0.6, "validation": 0.5}}, "must leave a share for train"),
        ({"sources": {"a": {"timezone": "Mars/Olympus"}}}, "sources.a.timezone: unknown IANA time zone"),
        ({"sources": {"a": {"path": "../etc"}}}, "must be a folder inside SRC"),
        ({"sources": {"a": {"language": "russian"}}}, "sources.a.language"),
    ],
)
def test_errors_name_the_key(raw, fragment):
    with pytest.raises(ConfigError) as exc:
        config_from_dict(raw, origin="corpus.toml")
    assert str(exc.value).startswith("corpus.toml: ")
    assert fragment in str(exc.value)


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "corpus.toml"
    path.write_text("[dataset\nname=")
    with pytest.raises(ConfigError, match="corpus.toml: not valid TOML"):
        load_config(path)


def test_nested_source_folder_wins():
    cfg = config_from_dict({"sources": {"news": {"name": "All"}, "ru": {"name": "Russian", "path": "news/ru"}}})
    assert cfg.source_for("news/ru/1.txt").name == "Russian"
    assert cfg.source_for("news/en/1.txt").name == "All"


def test_license_must_be_a_hub_license_id():
    with pytest.raises(ConfigError, match="dataset.license: 'cc-by-4' is not a Hugging Face Hub license id"):
        config_from_dict({"dataset": {"license": "cc-by-4"}}, origin="corpus.toml")
    assert config_from_dict({"dataset": {"license": "apache-2.0"}}).license == "apache-2.0"


_SEGMENT = st.sampled_from(["news", "ru", "en", "a", ".", "..", "", "x.txt", "1.txt"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_SEGMENT, min_size=1, max_size=5).map("/".join), min_size=1, max_size=30))
def test_the_source_kept_per_folder_is_the_one_pathlib_finds(names):
    # source_for keeps its answer per folder; asked in any order, it must answer as for a first question.
    cfg = config_from_dict({"sources": {"news": {"name": "All"}, "ru": {"name": "Russian", "path": "news/ru"}}})
    for name in names:
        assert cfg.source_for(name) == cfg._source_in(name), name
