"""Publishing a built folder to the Hugging Face Hub: checked first, then one commit, retried when transient.

The folder is validated (schemas and manifest hashes) before anything is sent; every file except the
internal ``.dsgen/`` state goes up in a single commit, and remote files under the folders dsgen owns
(``data/``, ``rejects/``, ``figures/``) that the build no longer has are deleted in that same commit, so
stale shards never match a config's ``data/<config>/<split>-*.parquet`` glob. An unchanged folder makes
no commit (``huggingface_hub`` drops files whose remote oid matches, and so the whole commit). Tokens come
from ``--token``, ``HF_TOKEN`` or the login cache and are scrubbed from every message dsgen shows.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from time import sleep
from typing import Any

import yaml

from .errors import DsgenError, plural

STATE_DIR = ".dsgen"
OWNED_DIRS = ("data/", "rejects/", "figures/")
RETRY_STATUS = {429, 500, 502, 503, 504}


class PushFailed(Exception):
    """The Hub kept failing (server errors, network) after the retries; nothing was committed by dsgen."""


@dataclass(frozen=True)
class PushResult:
    repo_id: str
    revision: str
    commit_url: str
    commit_oid: str
    pr_url: str | None
    changed: bool
    files: int
    deleted: int
    attempts: int

    @property
    def url(self) -> str:
        """What to show the user: the PR if one was opened, else the commit."""
        return self.pr_url or self.commit_url


# --- checks that need no network ----------------------------------------------------------------


def check_repo_id(repo_id: Any) -> str:
    """``repo_id`` if it is a valid ``owner/name`` Hub id, else a DsgenError saying what is expected."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    if repo_id is None:
        raise DsgenError(
            "no repo id: give one (`dsgen push FOLDER owner/name`) or set 'hub: {repo_id: owner/name}' in the recipe"
        )
    if not isinstance(repo_id, str) or repo_id.count("/") != 1:
        raise DsgenError(
            f"repo id {repo_id!r} is not 'owner/name': expected your user or organisation name, a slash "
            "and the dataset name, e.g. 'alice/math-rlvr'"
        )
    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise DsgenError(f"repo id {repo_id!r} is not a valid Hub id: {exc}") from None
    return repo_id


def resolve_token(token: str | None = None) -> str:
    """``token``, else ``HF_TOKEN`` or the token saved by ``hf auth login``; a DsgenError if there is none."""
    if token:
        return token
    from huggingface_hub import get_token

    found = get_token()
    if not found:
        raise DsgenError(
            "no Hugging Face token: set HF_TOKEN, run `hf auth login`, or pass --token "
            "(a token with write access)"
        )
    return found


def check_build(folder: str | Path) -> dict[str, Any]:
    """The manifest of a complete, valid dsgen build at ``folder``; else a DsgenError naming its problems."""
    from .inspect import validate_path

    folder = Path(folder)
    if not folder.is_dir():
        raise DsgenError(f"'{folder}' is not a folder: push takes the output folder of `dsgen build`")
    manifest_path, card = folder / "manifest.json", folder / "README.md"
    if not manifest_path.is_file() or not card.is_file():
        raise DsgenError(
            f"'{folder}' is not a dsgen build: it has no manifest.json and README.md (run `dsgen build`)"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["configs"], manifest["recipe_hash"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DsgenError(f"'{manifest_path}' is not a dsgen manifest: {exc}") from None
    head = re.match(r"^---\n(.*?)\n---\n", card.read_text(encoding="utf-8"), re.S)
    try:
        meta = yaml.safe_load(head.group(1)) if head else None
    except yaml.YAMLError:
        meta = None
    if not any(sum(c.get("splits", {}).values()) for c in manifest["configs"].values()):
        raise DsgenError(f"'{folder}' is a dsgen build with no records in any config: nothing to publish")
    if not isinstance(meta, dict) or not meta.get("configs"):
        raise DsgenError(f"'{card}' has no YAML front matter with 'configs:': not a dsgen dataset card")
    report = validate_path(folder)
    if not report.ok:
        shown = "; ".join(str(p) for p in report.problems[:5])
        more = f" (and {len(report.problems) - 5} more)" if len(report.problems) > 5 else ""
        raise DsgenError(
            f"'{folder}' failed validation, nothing was pushed: {plural(len(report.problems), 'problem')}: "
            f"{shown}{more}. "
            f"Run `dsgen validate {folder}` for all of them, or rebuild"
        )
    return manifest


def hub_settings(folder: Path) -> dict[str, Any]:
    """The ``hub:`` section of the recipe copy in a built folder ({} when absent)."""
    path = folder / "recipe.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    hub = data.get("hub") if isinstance(data, dict) else None
    return hub if isinstance(hub, dict) else {}


def local_files(folder: Path) -> list[str]:
    """Files to publish, as repo paths: everything but ``.dsgen/`` state and temporary files."""
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not rel.startswith(STATE_DIR + "/") and ".tmp-" not in path.name:
            out.append(rel)
    return out


def commit_message(manifest: dict[str, Any]) -> tuple[str, str]:
    """(summary, description) of the commit: recipe, hash, seed and counts."""
    counts = {name: sum(c["splits"].values()) for name, c in manifest["configs"].items()}
    summary = (
        f"dsgen build of recipe {manifest['recipe']} (hash {manifest['recipe_hash']}, "
        f"seed {manifest['seed']}): "
        f"{plural(sum(counts.values()), 'record')} in {plural(len(counts), 'config')}"
    )
    lines = [f"Built with dsgen {manifest['dsgen_version']}."]
    for name, info in manifest["configs"].items():
        splits = ", ".join(f"{s} {n}" for s, n in info["splits"].items())
        lines.append(f"- {name} (`{info['builder']}`): {splits or 'no records'}")
    return summary, "\n".join(lines)


# --- the push ------------------------------------------------------------------------------------


def push(
    folder: str | Path,
    repo_id: str | None = None,
    *,
    private: bool | None = None,
    revision: str | None = None,
    create_pr: bool | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    retries: int = 4,
    backoff: float = 2.0,
) -> PushResult:
    """Push a built folder to the dataset repo ``repo_id`` in one commit; returns what was committed.

    Settings left as None come from the ``hub:`` section of the folder's ``recipe.yaml``. ``endpoint``
    defaults to ``HF_ENDPOINT`` (else huggingface.co). Transient failures (429, 5xx, network) are
    retried ``retries`` times, waiting ``backoff`` seconds doubling each time (at most 60).
    """
    folder = Path(folder)
    settings = hub_settings(folder) if folder.is_dir() else {}
    repo_id = check_repo_id(repo_id if repo_id is not None else settings.get("repo_id"))
    private = bool(settings.get("private", False)) if private is None else private
    revision = revision or settings.get("revision") or None
    create_pr = bool(settings.get("create_pr", False)) if create_pr is None else create_pr
    manifest = check_build(folder)
    token = resolve_token(token)
    message = commit_message(manifest)
    files = local_files(folder)

    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint or os.environ.get("HF_ENDPOINT") or None, token=token)
    attempt = 0
    with quiet_hub():
        while True:
            attempt += 1
            try:
                result = _push_once(api, folder, files, repo_id, private, revision, create_pr, message)
                return dataclasses.replace(result, attempts=attempt)
            except Exception as exc:  # classified below: bad input, transient, or a failure to report
                _raise_if_final(exc, token, repo_id, attempt > retries)
            sleep(min(60.0, backoff * 2 ** (attempt - 1)))


@contextlib.contextmanager
def quiet_hub() -> Iterator[None]:
    """huggingface_hub's own progress bars and info/warning logs off for a push (dsgen reports the result)."""
    from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars
    from huggingface_hub.utils import logging as hf_logging

    bars_were_off, level = are_progress_bars_disabled(), hf_logging.get_verbosity()
    disable_progress_bars()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if not bars_were_off:
            enable_progress_bars()


def _push_once(api, folder, files, repo_id, private, revision, create_pr, message) -> PushResult:
    """One try: create the repo (and branch) if needed, then one commit of every file and stale deletion."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    if revision and revision != "main":
        api.create_branch(repo_id, repo_type="dataset", branch=revision, exist_ok=True)
    base = revision or "main"
    head = api.repo_info(repo_id, repo_type="dataset", revision=base).sha
    remote = api.list_repo_files(repo_id, repo_type="dataset", revision=base)
    local = set(files)
    stale = [p for p in remote if p.startswith(OWNED_DIRS) and p not in local]
    operations = [
        CommitOperationAdd(path_in_repo=rel, path_or_fileobj=_card_bytes(folder, repo_id) if rel == "README.md" else str(folder / rel))
        for rel in files
    ]
    operations += [CommitOperationDelete(path_in_repo=rel) for rel in stale]
    info = api.create_commit(
        repo_id,
        operations,
        commit_message=message[0],
        commit_description=message[1],
        repo_type="dataset",
        revision=revision,
        create_pr=create_pr,
    )
    return PushResult(
        repo_id=repo_id,
        revision=base,
        commit_url=info.commit_url,
        commit_oid=info.oid,
        pr_url=info.pr_url,
        changed=info.oid != head,
        files=len(files),
        deleted=len(stale),
        attempts=1,
    )


def _card_bytes(folder: Path, repo_id: str) -> bytes:
    """The card as published: its usage snippet loads ``repo_id``, not the local folder."""
    from .card import for_repo

    return for_repo((folder / "README.md").read_text(encoding="utf-8"), repo_id).encode()


def _chain(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def _raise_if_final(exc: Exception, token: str, repo_id: str, last: bool) -> None:
    """Turn a failed attempt into the error the user sees, or return to retry a transient one."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled, RepositoryNotFoundError

    def scrub(text: str) -> str:
        return text.replace(token, "***") if token else text

    status = next(
        (e.response.status_code
         for e in _chain(exc)
         if isinstance(e, HfHubHTTPError) and e.response is not None),
        None,
    )
    network = any(isinstance(e, (ConnectionError, TimeoutError)) or type(e).__name__ in NETWORK
                  for e in _chain(exc))
    if isinstance(exc, OfflineModeIsEnabled) or any(isinstance(e, OfflineModeIsEnabled) for e in _chain(exc)):
        raise DsgenError("HF_HUB_OFFLINE is set: unset it to push to the Hub") from None
    if status == 401:
        raise DsgenError(
            f"the Hub rejected the token (401 Unauthorized) while pushing to '{repo_id}': check HF_TOKEN, "
            "`hf auth login` or --token"
        ) from None
    if status == 403:
        raise DsgenError(
            f"the token has no write access to '{repo_id}' (403 Forbidden): use a token with write "
            "permission for that user or organisation"
        ) from None
    if isinstance(exc, RepositoryNotFoundError) or status == 404:
        raise DsgenError(
            f"'{repo_id}' or its revision was not found on the Hub: {scrub(_first_line(exc))}"
        ) from None
    if status in RETRY_STATUS or (status is None and network):
        if not last:
            return
        raise PushFailed(
            f"pushing to '{repo_id}' failed after retries ({scrub(_first_line(exc))}); no commit was made "
            "by this push, the local folder is unchanged: run the same command again later"
        ) from None
    if isinstance(exc, HfHubHTTPError):
        raise DsgenError(f"the Hub refused the push to '{repo_id}': {scrub(_first_line(exc))}") from None
    raise exc


# Transport errors of huggingface_hub's HTTP client (httpx2), matched by name so dsgen need not import it.
NETWORK = {"ConnectError", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "ReadError",
           "WriteError", "NetworkError", "RemoteProtocolError", "TimeoutException"}


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__
