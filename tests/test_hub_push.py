"""Publishing to the Hub, against a local server that speaks the Hub's HTTP API (tests/hub_server.py).

A real build is pushed with `dsgen push`, downloaded again with huggingface_hub, loaded with
datasets.load_dataset(repo_id) in a fresh process (so the libraries read HF_ENDPOINT as users set it)
and compared record by record. Also: no empty commits, stale shards, private repos, branches, PRs,
a server failing mid-way, rejected and missing tokens, and bad input.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import write_recipe
from hub_server import HubServer

import dsgen
from cli.main import main
from dsgen.errors import DsgenError
from dsgen.hub import PushFailed, push

ALICE, BOB = "hf_alice_SECRET_4f9a2c", "hf_bob_SECRET_77e1d0"
RECIPE = """\
name: toy
seed: 7
datasets:
  sums:
    builder: toy.add
    count: 600
    params: {max_value: 500}
    splits:
      fractions: {train: 0.8, test: 0.2}
    filters: [{filter: toy.drop_odd}]
  small:
    builder: toy.add
    count: 200
    params: {max_value: 50}
    splits:
      by: level
      levels: {train: [easy], test: [hard]}
output:
  shard_size: 200
  rejects: true
"""


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """A local Hub; huggingface_hub pointed at it (env for new processes, constants for this one)."""
    import huggingface_hub.constants as constants

    with HubServer({ALICE: "alice", BOB: "bob"}) as server:
        for key, value in {"HF_ENDPOINT": server.url, "HF_HUB_DISABLE_XET": "1", "HF_HUB_OFFLINE": "0",
                           "HF_DATASETS_OFFLINE": "0", "HF_TOKEN": ALICE, "HF_HOME": str(tmp_path / "hf-home"),
                           "HF_HUB_DISABLE_PROGRESS_BARS": "1"}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-login" / "token"))
        yield server


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One real build (pushed by several tests; none of them changes it)."""
    folder = tmp_path_factory.mktemp("build")
    dsgen.build(write_recipe(folder / "recipe-src.yaml", RECIPE), out=folder / "out", workers=1)
    return folder / "out"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def published(folder: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in tree(folder).items() if not rel.startswith(".dsgen/")}


DOWNLOAD = """\
import json, sys
from huggingface_hub import snapshot_download
import datasets
repo, target, configs = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
snapshot_download(repo, repo_type="dataset", local_dir=target)
rows = {}
for config in configs:
    loaded = datasets.load_dataset(repo, config)
    rows[config] = {split: loaded[split].to_list() for split in loaded}
    rows[config]["_features"] = loaded[next(iter(loaded))].features.to_dict()
print(json.dumps(rows))
"""


def test_push_download_and_load_round_trip(hub, built, tmp_path):
    result = run("push", str(built), "alice/toy")
    assert result.exit_code == 0, result.output
    repo = hub.state.repos["alice/toy"]
    head = repo.history("main")[0]
    assert f"/datasets/alice/toy/commit/{head.oid}" in result.output
    assert len(repo.history("main")) == 2  # the repo's initial commit, then ONE commit with everything
    assert head.message.startswith("dsgen build of recipe toy (hash ") and "records in 2 configs" in head.message
    assert not repo.private
    local = published(built)
    assert "rejects/sums.jsonl" in local and "figures/sums-difficulty.png" in local
    remote = hub.files("alice/toy")
    assert 'ds = load_dataset("path/to/this/folder"' in local["README.md"].decode()
    assert 'ds = load_dataset("alice/toy"' in remote["README.md"].decode()  # the card names the repo
    card = local["README.md"].decode().replace('load_dataset("path/to/this/folder"', 'load_dataset("alice/toy"')
    assert remote == {**local, "README.md": card.encode(), ".gitattributes": remote[".gitattributes"]}
    assert all(head.files[p].lfs for p in local if p.endswith((".parquet", ".png")))

    # download with huggingface_hub and load with datasets in a fresh process, as a user would
    out = subprocess.run(
        [sys.executable, "-c", DOWNLOAD, "alice/toy", str(tmp_path / "snap"), "sums,small"],
        capture_output=True, text=True, timeout=240,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    snap = tree(tmp_path / "snap")
    assert {rel: data for rel, data in snap.items() if not rel.startswith(".cache/")} == remote
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    for config in ("sums", "small"):
        assert loaded[config].pop("_features")["prompt"]["feature"]["content"]["dtype"] == "string"
        for split, rows in loaded[config].items():
            files = sorted((built / "data" / config).glob(f"{split}-*.parquet"))
            original = [row for f in files for row in pq.read_table(f).to_pylist()]
            assert rows == original and len(rows) == json.loads((built / "manifest.json").read_text())[
                "configs"][config]["splits"][split]

    # pushing the same folder again makes no (empty) commit
    again = run("push", str(built), "alice/toy")
    assert again.exit_code == 0 and "no commit made" in again.output
    assert len(repo.history("main")) == 2 and len(repo.commits) == 2


def test_a_rebuild_replaces_stale_shards_in_the_same_single_commit(hub, tmp_path):
    recipe = write_recipe(tmp_path / "r.yaml", RECIPE)
    dsgen.build(recipe, out=tmp_path / "o", workers=1)
    assert push(tmp_path / "o", "alice/toy").changed
    smaller = dsgen.load_recipe(recipe, overrides=["datasets.sums.count=200", "datasets.small.count=100"])
    dsgen.build(smaller, out=tmp_path / "o", workers=1)
    result = push(tmp_path / "o", "alice/toy")
    assert result.changed and result.deleted > 0
    remote = hub.files("alice/toy")
    assert set(remote) - {".gitattributes"} == set(published(tmp_path / "o"))
    assert not [p for p in remote if p.startswith("data/sums/") and p.endswith("-00001.parquet")]
    assert len(hub.state.repos["alice/toy"].history("main")) == 3


def test_private_repo_is_invisible_to_others(hub, built):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    result = run("push", str(built), "alice/secret", "--private")
    assert result.exit_code == 0, result.output
    assert hub.state.repos["alice/secret"].private
    assert HfApi(endpoint=hub.url, token=ALICE).dataset_info("alice/secret").private is True
    for token in (False, BOB):
        with pytest.raises(RepositoryNotFoundError):
            HfApi(endpoint=hub.url, token=token).dataset_info("alice/secret")


def test_push_to_a_branch_and_as_a_pull_request(hub, built, tmp_path):
    result = run("push", str(built), "alice/toy", "--revision", "v1")
    assert result.exit_code == 0, result.output
    repo = hub.state.repos["alice/toy"]
    assert set(repo.resolve("v1").files) - {".gitattributes"} == set(published(built))
    assert set(repo.resolve("main").files) == {".gitattributes"}  # main untouched
    assert "commit on v1" in result.output

    pr = run("push", str(built), "alice/toy", "--create-pr")
    assert pr.exit_code == 0, pr.output
    assert "/datasets/alice/toy/discussions/1" in pr.output
    assert set(repo.resolve("refs/pr/1").files) - {".gitattributes"} == set(published(built))
    assert set(repo.resolve("main").files) == {".gitattributes"}  # a PR does not change its target


def test_server_errors_are_retried_and_a_failed_push_changes_nothing(hub, built, tmp_path, monkeypatch):
    assert push(built, "alice/toy").changed
    repo = hub.state.repos["alice/toy"]
    before_remote, before_head = hub.files("alice/toy"), repo.refs["main"]

    other = tmp_path / "other"
    dsgen.build(dsgen.load_recipe(write_recipe(tmp_path / "r.yaml", RECIPE), seed=8), out=other, workers=1)
    local_before = tree(other)
    # new LFS content is uploaded first (one upload fails once and is retried), then the commit fails for good
    hub.state.fail_lfs_uploads, hub.state.fail_commits = 1, 100
    with pytest.raises(PushFailed, match="failed after retries.*no commit was made") as info:
        push(other, "alice/toy", retries=2, backoff=0.01)
    assert ALICE not in str(info.value)
    assert hub.state.fail_lfs_uploads == 0 and hub.state.fail_commits == 97  # 1 + 2 retries reached the server
    assert repo.refs["main"] == before_head and hub.files("alice/toy") == before_remote
    assert tree(other) == local_before

    # the CLI reports it on one line with exit code 1 (a server problem, not bad input), after backing off
    waits: list[float] = []
    monkeypatch.setattr("dsgen.hub.sleep", waits.append)
    hub.state.fail_commits = 100
    result = CliRunner().invoke(main, ["push", str(other), "alice/toy"])
    assert result.exit_code == 1 and "Traceback" not in result.output and "failed after retries" in result.output
    assert waits == [2.0, 4.0, 8.0, 16.0] and hub.state.fail_commits == 95
    assert repo.refs["main"] == before_head and tree(other) == local_before

    # a transient failure is retried and the push goes through as one commit
    hub.state.fail_commits = 1
    result = push(other, "alice/toy", retries=2, backoff=0.01)
    assert result.changed and result.attempts == 2
    assert len(repo.history("main")) == 3
    assert set(hub.files("alice/toy")) - {".gitattributes"} == set(published(other))


def test_a_rejected_token_is_a_clear_error_that_never_shows_the_token(hub, built, monkeypatch):
    bad = "hf_not_a_real_token_SECRET_0b7e55"
    result = run("push", str(built), "alice/toy", "--token", bad)
    assert result.exit_code == 2 and "rejected the token" in result.output
    assert bad not in result.output and "Traceback" not in result.output
    monkeypatch.setenv("HF_TOKEN", bad)
    result = run("push", str(built), "alice/toy")
    assert result.exit_code == 2 and "rejected the token" in result.output and bad not in result.output
    assert "alice/toy" not in hub.state.repos
    # bob's token is valid but may not write to alice's namespace
    result = run("push", str(built), "alice/toy", "--token", BOB)
    assert result.exit_code == 2 and BOB not in result.output and "alice/toy" not in hub.state.repos


def test_tokens_come_from_the_login_cache_and_never_reach_the_repo(hub, built, tmp_path, monkeypatch):
    import huggingface_hub.constants as constants

    monkeypatch.delenv("HF_TOKEN")
    cache = tmp_path / "login" / "token"
    cache.parent.mkdir()
    cache.write_text(ALICE)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(cache))
    result = run("push", str(built), "alice/toy")
    assert result.exit_code == 0, result.output
    assert ALICE not in result.output
    assert not [p for p, data in hub.files("alice/toy").items() if ALICE.encode() in data]


def test_bad_input_exits_2_before_any_request(hub, built, tmp_path, monkeypatch):
    for repo_id in ("toy", "alice/toy/extra", "alice/bad name", "alice/x..y", ""):
        result = run("push", str(built), repo_id)
        assert result.exit_code == 2 and ("owner/name" in result.output or "not a valid Hub id" in result.output)
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "x.txt").write_text("hello")
    for folder in (tmp_path / "empty", tmp_path / "notes", tmp_path / "missing"):
        result = run("push", str(folder), "alice/toy")
        assert result.exit_code == 2 and ("not a dsgen build" in result.output or "not a folder" in result.output)
    monkeypatch.delenv("HF_TOKEN")
    result = run("push", str(built), "alice/toy")
    assert result.exit_code == 2 and "no Hugging Face token" in result.output and "HF_TOKEN" in result.output
    # a build folder without a repo id anywhere
    result = run("push", str(built))
    assert result.exit_code == 2 and "owner/name" in result.output
    assert hub.state.requests == []


def test_a_folder_that_fails_validation_is_not_pushed(hub, tmp_path):
    dsgen.build(write_recipe(tmp_path / "r.yaml", RECIPE), out=tmp_path / "o", workers=1)
    shard = sorted((tmp_path / "o" / "data" / "sums").glob("*.parquet"))[0]
    rows = pq.read_table(shard)
    pq.write_table(rows.slice(0, 3), shard)  # a valid Parquet file, but not the one the manifest lists
    with pytest.raises(DsgenError, match="failed validation, nothing was pushed.*sha256 differs"):
        push(tmp_path / "o", "alice/toy")
    assert hub.state.requests == []


def test_build_push_uses_the_recipe_hub_section(hub, tmp_path):
    recipe = write_recipe(tmp_path / "r.yaml", RECIPE + "hub:\n  repo_id: alice/from-recipe\n  private: true\n")
    result = run("build", str(recipe), "-o", str(tmp_path / "o"), "-w", "1", "-q", "--push")
    assert result.exit_code == 0, result.output
    repo = hub.state.repos["alice/from-recipe"]
    assert repo.private and "/datasets/alice/from-recipe/commit/" in result.output
    assert set(hub.files("alice/from-recipe")) - {".gitattributes"} == set(published(tmp_path / "o"))
    # --push without hub.repo_id fails before building anything
    plain = write_recipe(tmp_path / "p.yaml", RECIPE)
    result = run("build", str(plain), "-o", str(tmp_path / "p"), "-q", "--push")
    assert result.exit_code == 2 and "hub" in result.output and not (tmp_path / "p").exists()


def test_push_silences_huggingface_hubs_own_progress_bars_and_logs(hub, built, monkeypatch, capfd):
    from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS")
    enable_progress_bars()
    try:
        capfd.readouterr()
        push(built, "alice/quiet")
        err = capfd.readouterr().err
        assert not are_progress_bars_disabled()  # restored afterwards
    finally:
        disable_progress_bars()
    assert "it/s" not in err and "%|" not in err and "Upload" not in err, err
