"""dsgen.sources: every input format, every error (file, line/row, column, what was expected), edge files."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dsgen.errors import DsgenError
from dsgen.sources import open_source

ROWS = [{"q": "one", "a": 1}, {"q": "two", "a": 2}, {"q": "three", "a": 3}]


def jsonl(path, rows, sep="\n"):
    path.write_text(sep.join(json.dumps(r) for r in rows) + sep, encoding="utf-8", newline="")
    return path


def test_jsonl_columns_values_rows_and_lines(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"q": "one"}\n\n{"q": "two", "extra": 5}\n   \n{"q": "three"}\n')
    source = open_source(path)
    assert source.rows == 3 and source.columns == ["q", "extra"] and source.splits == []
    assert source.column("q") == ["one", "two", "three"]
    assert source.column("extra", default=None) == [None, 5, None]
    assert [source.where(i) for i in range(3)] == [f"{path}, line {n}" for n in (1, 3, 5)]
    with pytest.raises(DsgenError, match=r"d\.jsonl, line 1: no key 'extra'; keys: q"):
        source.column("extra")
    with pytest.raises(IndexError):
        source.where(3)


def test_bom_and_crlf_line_endings(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(json.dumps(r) for r in ROWS).encode() + b"\r\n")
    source = open_source(path)
    assert source.column("q") == ["one", "two", "three"] and source.where(2) == f"{path}, line 3"
    doc = tmp_path / "d.json"
    doc.write_bytes(b"\xef\xbb\xbf" + json.dumps(ROWS, indent=1).replace("\n", "\r\n").encode())
    assert open_source(doc).column("a") == [1, 2, 3]


@pytest.mark.parametrize("content", ["", "\n\n  \n", "\r\n"])
def test_empty_and_blank_files_have_no_rows(tmp_path, content):
    for name in ("e.jsonl", "e.json"):
        (tmp_path / name).write_text(content)
        source = open_source(tmp_path / name)
        assert source.rows == 0 and source.columns == [] and source.column("q") == []


def test_zero_row_parquet_keeps_its_columns(tmp_path):
    pq.write_table(pa.table({"q": pa.array([], pa.string())}), tmp_path / "e.parquet")
    source = open_source(tmp_path / "e.parquet")
    assert source.rows == 0 and source.columns == ["q"] and source.column("q") == []


def test_non_utf8_bytes_name_line_and_offset(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"q": "ok"}\n{"q": "caf\xe9"}\n')
    with pytest.raises(DsgenError, match=r"d\.jsonl, line 2: bytes at offset 10 are not valid UTF-8 \(byte 22 of"):
        open_source(path).rows
    doc = tmp_path / "d.json"
    doc.write_bytes(b'[\n {"q": "ok"},\n {"q": "\xff"}\n]')
    with pytest.raises(DsgenError, match=r"d\.json, line 3: bytes at offset 8 are not valid UTF-8"):
        open_source(doc).rows


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"q": "ok"}\n\n{"q": \n')
    with pytest.raises(DsgenError, match=r"d\.jsonl, line 3: not valid JSON \(.* at column \d+\)"):
        open_source(path).rows
    doc = tmp_path / "d.json"
    doc.write_text('[\n {"q": "ok"},\n {"q" "x"}\n]')
    with pytest.raises(DsgenError, match=r"d\.json, line 3: not valid JSON"):
        open_source(doc).rows


@pytest.mark.parametrize(("name", "content", "message"), [
    ("d.jsonl", '{"q": 1}\n[1, 2]\n', r"d\.jsonl, line 2: expected a JSON object, got list"),
    ("d.jsonl", '"text"\n', r"d\.jsonl, line 1: expected a JSON object, got str"),
    ("d.json", '[{"q": 1}, 7]', r"d\.json, item 1: expected a JSON object, got int"),
    ("d.json", '"just a string"', r"d\.json: expected a JSON object or a list of objects, got str"),
])
def test_rows_that_are_not_objects(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    with pytest.raises(DsgenError, match=message):
        open_source(tmp_path / name).rows


def test_json_object_list_and_json_lines_in_a_json_file(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(ROWS[0], indent=2))
    one = open_source(tmp_path / "one.json")
    assert one.column("q") == ["one"] and one.where(0) == str(tmp_path / "one.json")
    (tmp_path / "list.json").write_text(json.dumps(ROWS))
    assert open_source(tmp_path / "list.json").where(1) == f"{tmp_path / 'list.json'}, item 1"
    lines = jsonl(tmp_path / "lines.json", ROWS)
    source = open_source(lines)
    assert source.column("q") == ["one", "two", "three"] and source.where(1) == f"{lines}, line 2"


def test_parquet_rows_missing_columns_and_damage(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    source = open_source(path)
    assert source.rows == 3 and source.columns == ["q", "a"] and source.column("a") == [1, 2, 3]
    assert source.where(2) == f"{path}, row 2"
    with pytest.raises(DsgenError, match=r"d\.parquet: no column 'text'; columns: q, a; a hint"):
        source.column("text", hint="a hint")
    assert source.column("text", default="-") == ["-"] * 3
    pq.write_table(pa.table({"question": ["x"]}), path)
    with pytest.raises(DsgenError, match=r"d\.parquet: no column 'questoin' \(did you mean 'question'\?\)"):
        open_source(path).require("questoin")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DsgenError, match=r"bad\.parquet: not a readable Parquet file"):
        open_source(tmp_path / "bad.parquet").rows


def test_missing_key_names_the_first_row_without_it_and_suggests(tmp_path):
    path = jsonl(tmp_path / "d.jsonl", [{"question": "x"}, {"questoin": "y"}])
    with pytest.raises(DsgenError, match=r"d\.jsonl, line 2: no key 'question' \(did you mean 'questoin'\?\)"):
        open_source(path).column("question")
    with pytest.raises(DsgenError, match=r"d\.jsonl: no column 'answer'; columns: question, questoin"):
        open_source(path).require("answer")


def test_missing_path_and_unknown_suffix(tmp_path):
    with pytest.raises(DsgenError, match=r"corpus .*nope\.jsonl does not exist \(expected \.jsonl"):
        open_source(tmp_path / "nope.jsonl", what="corpus")
    (tmp_path / "d.csv").write_text("q\nx\n")
    with pytest.raises(DsgenError, match=r"d\.csv: unknown format '\.csv'; expected \.jsonl, \.parquet or a datasets"):
        open_source(tmp_path / "d.csv")


def test_nested_folder_of_files_in_splits(tmp_path):
    """The MATH release layout: one JSON object per file, in split folders, read in sorted path order."""
    for split in ("train", "test"):
        for sub in ("b", "a"):
            (tmp_path / "MATH" / split / sub).mkdir(parents=True)
            for k in (1, 0):
                (tmp_path / "MATH" / split / sub / f"{k}.json").write_text(json.dumps({"p": f"{split}/{sub}/{k}"}))
    (tmp_path / "MATH" / ".hidden").mkdir()
    (tmp_path / "MATH" / ".hidden" / "x.jsonl").write_text('{"p": "hidden"}\n')
    (tmp_path / "MATH" / "notes.txt").write_text("not data")
    source = open_source(tmp_path / "MATH")
    assert source.splits == ["test", "train"] and source.rows == 8
    train = source.only("train")
    assert train.column("p") == ["train/a/0", "train/a/1", "train/b/0", "train/b/1"]
    assert train.where(3) == str(tmp_path / "MATH" / "train" / "b" / "1.json")
    with pytest.raises(DsgenError, match=r"MATH has no split 'trian' \(did you mean 'train'\?\); splits: test, train"):
        source.only("trian")


def test_hub_style_folder_reads_its_data_folder_with_file_name_splits(tmp_path):
    data = tmp_path / "repo" / "data"
    data.mkdir(parents=True)
    pq.write_table(pa.table({"q": ["a", "b"]}), data / "train-00000-of-00002.parquet")
    pq.write_table(pa.table({"q": ["c"]}), data / "train-00001-of-00002.parquet")
    jsonl(data / "test.jsonl", [{"q": "t"}])
    (tmp_path / "repo" / "manifest.json").write_text('{"not": "data"}')
    source = open_source(tmp_path / "repo")
    assert source.splits == ["test", "train"]
    train = source.only("train")
    assert train.column("q") == ["a", "b", "c"]
    assert train.where(2) == f"{data / 'train-00001-of-00002.parquet'}, row 0"
    assert source.only("test").where(0) == f"{data / 'test.jsonl'}, line 1"


def test_folder_parts_without_a_column_and_a_folder_without_data(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    jsonl(folder / "a.jsonl", [{"q": "x", "level": 1}])
    pq.write_table(pa.table({"q": ["y"]}), folder / "b.parquet")
    source = open_source(folder)
    assert source.columns == ["q", "level"] and source.column("level", default=None) == [1, None]
    with pytest.raises(DsgenError, match=r"b\.parquet: no column 'level'"):
        source.column("level")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DsgenError, match=r"empty is a folder but not one saved with datasets.*holds no data files"):
        open_source(tmp_path / "empty", what="texts")


def test_saved_datasets_folder_with_and_without_splits(tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_list(ROWS).save_to_disk(str(tmp_path / "plain"))
    plain = open_source(tmp_path / "plain")
    assert plain.splits == [] and plain.column("q") == ["one", "two", "three"]
    assert plain.where(1) == f"{tmp_path / 'plain'}, row 1"
    datasets.DatasetDict({"train": datasets.Dataset.from_list(ROWS[:1]),
                          "test": datasets.Dataset.from_list(ROWS)}).save_to_disk(str(tmp_path / "dict"))
    source = open_source(tmp_path / "dict")
    assert source.splits == ["train", "test"] and source.rows == 4
    assert source.where(3) == f"{tmp_path / 'dict'}, split test, row 2"
    assert source.only("test").column("a") == [1, 2, 3]
    with pytest.raises(DsgenError, match=r"dict, split train: no column 'b'"):
        source.column("b")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "state.json").write_text("{}")
    with pytest.raises(DsgenError, match=r"broken: datasets\.load_from_disk cannot read it"):
        open_source(tmp_path / "broken")
