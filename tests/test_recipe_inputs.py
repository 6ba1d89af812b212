"""Input files a recipe reads: resolved against the recipe's folder, and hashed so --resume never
reuses output built from an input that changed since."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_build import tree

import dsgen
from dsgen.errors import DsgenError
from dsgen.inputs import input_params
from dsgen.recipe import load_recipe

GSM8K = Path(__file__).parent / "data" / "gsm8k_sample.jsonl"
RECIPE = """\
name: ann
datasets:
  gsm:
    builder: math.annotate
    count: 5
    params: {path: inputs/gsm.jsonl}
output: {shard_size: 2}
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "proj" / "inputs").mkdir(parents=True)
    shutil.copy(GSM8K, tmp_path / "proj" / "inputs" / "gsm.jsonl")
    (tmp_path / "proj" / "recipe.yaml").write_text(RECIPE)
    return tmp_path / "proj"


def test_relative_input_paths_resolve_against_the_recipe_folder(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the recipe's folder
    recipe = load_recipe(project / "recipe.yaml")
    assert recipe.datasets["gsm"].params["path"] == str(project / "inputs" / "gsm.jsonl")
    out = tmp_path / "out"
    dsgen.build(recipe, out=out, workers=1)
    # the recipe copy in the build rebuilds the same files from inside the build folder
    monkeypatch.chdir(out)
    again = dsgen.build(load_recipe("recipe.yaml"), out=tmp_path / "again", workers=1)
    assert again.records == 5
    assert tree(tmp_path / "again") == tree(out)


def test_override_paths_resolve_against_the_working_directory(project, monkeypatch):
    monkeypatch.chdir(project / "inputs")
    recipe = load_recipe(project / "recipe.yaml", overrides=["datasets.gsm.params.path=gsm.jsonl"])
    assert recipe.datasets["gsm"].params["path"] == str(project / "inputs" / "gsm.jsonl")


def test_resume_refuses_output_built_from_an_input_that_changed(project, tmp_path):
    recipe = load_recipe(project / "recipe.yaml")
    out = tmp_path / "out"
    dsgen.build(recipe, out=out, workers=1)
    data = project / "inputs" / "gsm.jsonl"
    data.write_text(data.read_text().replace("#### 48", "#### 49"))
    with pytest.raises(DsgenError, match=r"input '.*gsm.jsonl' \(datasets.gsm.params.path\) changed"):
        dsgen.build(recipe, out=out, workers=1, resume=True)
    rebuilt = dsgen.build(recipe, out=out, workers=1)
    assert "49" in {r["answer"] for p in sorted((out / "data").rglob("*.parquet")) for r in dsgen_rows(p)}
    assert rebuilt.records == 5


def dsgen_rows(path):
    from dsgen.writer import read_parquet

    return read_parquet(path)


def test_input_parameters_are_found_at_any_depth_of_builders_wrappers_and_filters():
    data = {
        "filters": [{"filter": "decontaminate", "params": {"references": [{"path": "a.jsonl", "column": "q"}]}}],
        "datasets": {"d": {"params": {"corpus": {"path": "c.jsonl"}, "responses": "r.csv", "column": "path"},
                           "wrappers": [{"builder": "w", "params": {"texts_dir": "t"}}]}},
    }
    found = {where for where, _, _ in input_params(data)}
    assert found == {"filters.0.params.references.0.path", "datasets.d.params.corpus.path",
                     "datasets.d.params.responses", "datasets.d.wrappers.0.params.texts_dir"}


def test_the_output_folder_of_a_recipe_file_is_next_to_it(project, tmp_path, monkeypatch):
    (project / "recipe.yaml").write_text(RECIPE.replace("output: {shard_size: 2}", "output: {shard_size: 2, dir: built}"))
    monkeypatch.chdir(tmp_path)
    assert load_recipe(project / "recipe.yaml").output.dir == str(project / "built")
    assert load_recipe(project / "recipe.yaml", out="here").output.dir == "here"  # -o: the working directory


def test_resume_refuses_a_build_that_did_not_record_its_inputs(project, tmp_path):
    import json

    recipe = load_recipe(project / "recipe.yaml")
    out = tmp_path / "out"
    dsgen.build(recipe, out=out, workers=1)
    state = out / ".dsgen" / "state.json"
    old = json.loads(state.read_text())
    del old["inputs"]  # as a dsgen before input hashing wrote it
    state.write_text(json.dumps(old))
    with pytest.raises(DsgenError, match="did not record the hashes of its input files"):
        dsgen.build(recipe, out=out, workers=1, resume=True)
