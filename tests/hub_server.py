"""A local stand-in for the Hugging Face Hub: the part of its HTTP API that a push and a download use.

It serves dataset repos from memory on 127.0.0.1 (random port) with per-branch commit history, PR
refs, the LFS batch protocol (basic transfer, no Xet) and token checks that behave like the Hub's:
an unknown token gets 401 ``Invalid credentials in Authorization header``, a private repo is
invisible (404 ``RepoNotFound``) without its owner's token. Point ``huggingface_hub`` and
``datasets`` at it with ``HF_ENDPOINT`` and ``HF_HUB_DISABLE_XET=1``. ``fail_commits`` and
``fail_lfs_uploads`` make the next N commit / LFS upload requests answer 500, for failure tests.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

LFS_PATTERNS = ["*.parquet", "*.arrow", "*.png", "*.jpg", "*.bin", "*.zst", "*.gz"]
GITATTRIBUTES = "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in LFS_PATTERNS).encode()
LFS_THRESHOLD = 10 * 1024 * 1024
REPO = r"(?P<repo>[^/]+/[^/.]+(?:\.(?!git/)[^/.]+)*)"


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class Blob:
    data: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def pointer(self) -> bytes:
        return f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {len(self.data)}\n".encode()

    @property
    def git_oid(self) -> str:
        """The git object id: of the content, or of the LFS pointer for LFS files (as on the Hub)."""
        return git_blob_sha1(self.pointer if self.lfs else self.data)

    @property
    def upload_oid(self) -> str:
        """What ``preupload`` reports to compare with the client's local oid (sha256 for LFS, sha1 otherwise)."""
        return self.sha256 if self.lfs else git_blob_sha1(self.data)


@dataclass
class Commit:
    oid: str
    parent: str | None
    message: str
    description: str
    files: dict[str, Blob]


@dataclass
class Repo:
    id: str
    owner: str
    private: bool
    refs: dict[str, str] = field(default_factory=dict)  # branch or refs/pr/N -> commit oid
    commits: dict[str, Commit] = field(default_factory=dict)
    prs: int = 0

    def history(self, ref: str) -> list[Commit]:
        """Commits reachable from ``ref``, newest first."""
        out, oid = [], self.refs.get(ref)
        while oid is not None:
            out.append(self.commits[oid])
            oid = self.commits[oid].parent
        return out

    def resolve(self, revision: str) -> Commit | None:
        revision = unquote(revision)
        if revision in self.refs:
            return self.commits[self.refs[revision]]
        return self.commits.get(revision)


class HubState:
    """Everything the server holds; tests read it directly to check what the remote looks like."""

    def __init__(self, tokens: dict[str, str]):
        self.tokens = tokens  # token -> user name
        self.repos: dict[str, Repo] = {}
        self.lfs: dict[str, bytes] = {}  # sha256 -> content (shared storage, like the Hub's bucket)
        self.requests: list[tuple[str, str]] = []
        self.fail_commits = 0
        self.fail_lfs_uploads = 0
        self.lock = threading.Lock()

    def commit(self, repo: Repo, base: str | None, files: dict[str, Blob], message: str, description: str = "") -> str:
        digest = hashlib.sha1(f"{base}\n{message}\n{description}\n".encode())
        for path in sorted(files):
            digest.update(f"{path}\0{files[path].git_oid}\n".encode())
        oid = digest.hexdigest()
        repo.commits[oid] = Commit(oid, base, message, description, dict(files))
        return oid


class HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class Handler(BaseHTTPRequestHandler):
    server: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    # --- plumbing ---------------------------------------------------------------------------------

    @property
    def state(self) -> HubState:
        return self.server.state

    @property
    def base(self) -> str:
        return self.server.url

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.send_response(status)
        headers = {"Content-Type": "application/json", **(headers or {})}
        headers.setdefault("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, value, status: int = 200, headers: dict[str, str] | None = None):
        self._send(status, json.dumps(value).encode(), headers)

    def _user(self) -> str | None:
        """The user of the request's token; None without one; 401 for a token the Hub does not know."""
        auth = self.headers.get("Authorization", "")
        if not auth:
            return None
        token = auth.removeprefix("Bearer ").strip()
        if token not in self.state.tokens:
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.state.tokens[token]

    def _repo(self, repo_id: str, *, write: bool = False) -> Repo:
        user = self._user()
        repo = self.state.repos.get(repo_id)
        if repo is None or (repo.private and user != repo.owner):
            raise HubError(404, "Repository not found", "RepoNotFound")
        if write and user != repo.owner:
            raise HubError(401 if user is None else 403, "You don't have the rights to write to this repo")
        return repo

    def _commit_of(self, repo: Repo, revision: str) -> Commit:
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {unquote(revision)}", "RevisionNotFound")
        return commit

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = unquote(url.path) if not url.path.startswith("/api/") else url.path
        with self.state.lock:
            self.state.requests.append((method, self.path))
        for verb, pattern, fn in ROUTES:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                try:
                    fn(self, query=query, **{k: unquote(v) if k != "rest" else v for k, v in match.groupdict().items()})
                except HubError as err:
                    headers = {"X-Error-Message": err.message}
                    if err.code:
                        headers["X-Error-Code"] = err.code
                    self._json({"error": err.message}, err.status, headers)
                return
        self._json({"error": f"no route for {method} {url.path}"}, 404)

    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    # --- repos, refs and info ----------------------------------------------------------------------

    def create_repo(self, query):
        user = self._user()
        body = json.loads(self._body())
        if user is None:
            raise HubError(401, "You must be authenticated to create a repo")
        owner = body.get("organization") or user
        if owner != user:
            raise HubError(403, f"You don't have the rights to create a repo under '{owner}'")
        repo_id = f"{owner}/{body['name']}"
        if body.get("type") != "dataset":
            raise HubError(400, "this test server only hosts dataset repos")
        if repo_id in self.state.repos:
            self._json({"error": "You already created this dataset repo", "url": f"{self.base}/datasets/{repo_id}"}, 409)
            return
        repo = Repo(repo_id, owner, body.get("visibility") == "private" or bool(body.get("private")))
        repo.refs["main"] = self.state.commit(repo, None, {".gitattributes": Blob(GITATTRIBUTES, False)}, "initial commit")
        self.state.repos[repo_id] = repo
        self._json({"url": f"{self.base}/datasets/{repo_id}", "name": repo_id, "id": repo_id})

    def create_branch(self, query, repo, branch):
        repo = self._repo(repo, write=True)
        body = json.loads(self._body() or b"{}")
        if branch in repo.refs:
            raise HubError(409, f"Reference already exists: {branch}")
        start = self._commit_of(repo, body.get("startingPoint") or "main")
        repo.refs[branch] = start.oid
        self._json({})

    def refs(self, query, repo):
        repo = self._repo(repo)

        def ref(name, prefix):
            return {"name": name, "ref": f"{prefix}{name}", "targetCommit": repo.refs[name]}

        branches = [ref(n, "refs/heads/") for n in repo.refs if not n.startswith("refs/pr/")]
        prs = [{"name": n, "ref": n, "targetCommit": repo.refs[n]} for n in repo.refs if n.startswith("refs/pr/")]
        self._json({"branches": branches, "converts": [], "tags": [], "pullRequests": prs})

    def info(self, query, repo, revision="main"):
        repo = self._repo(repo)
        commit = self._commit_of(repo, revision)
        self._json(
            {
                "_id": hashlib.sha1(repo.id.encode()).hexdigest()[:24],
                "id": repo.id,
                "author": repo.owner,
                "sha": commit.oid,
                "private": repo.private,
                "gated": False,
                "disabled": False,
                "lastModified": "2025-01-01T00:00:00.000Z",
                "createdAt": "2025-01-01T00:00:00.000Z",
                "tags": [],
                "downloads": 0,
                "likes": 0,
                "siblings": [{"rfilename": p} for p in sorted(commit.files)],
            }
        )

    def validate_yaml(self, query):
        self._user()
        content = json.loads(self._body())["content"]
        match = re.match(r"^---\n(.*?)\n---", content, re.S)
        try:
            if match:
                yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            self._json({"errors": [{"message": f"invalid YAML: {exc}"}], "warnings": []}, 400)
            return
        self._json({"errors": [], "warnings": []})

    # --- tree and file metadata ------------------------------------------------------------------

    def _entry(self, path: str, blob: Blob, expand: bool) -> dict:
        entry = {"type": "file", "oid": blob.git_oid, "size": len(blob.data), "path": path}
        if blob.lfs:
            entry["lfs"] = {"oid": blob.sha256, "size": len(blob.data), "pointerSize": len(blob.pointer)}
        if expand:
            entry["lastCommit"] = None
        return entry

    def _listing(self, commit: Commit, prefix: str, recursive: bool, expand: bool) -> list[dict]:
        prefix = prefix.strip("/")
        entries, dirs = [], set()
        for path in sorted(commit.files):
            if prefix and not path.startswith(prefix + "/"):
                continue
            rest = path[len(prefix) + 1 :] if prefix else path
            parts = rest.split("/")
            for i in range(1, len(parts)):
                dirs.add("/".join(([prefix] if prefix else []) + parts[:i]))
            if recursive or len(parts) == 1:
                entries.append(self._entry(path, commit.files[path], expand))
        depth = prefix.count("/") + 1 if prefix else 0
        for d in sorted(dirs):
            if recursive or d.count("/") == depth:
                entries.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d})
        return entries

    def tree(self, query, repo, revision, rest=""):
        repo = self._repo(repo)
        commit = self._commit_of(repo, revision)
        rest = unquote(rest or "")
        if rest and rest.strip("/") not in {"/".join(p.split("/")[:i]) for p in commit.files for i in range(1, 99)}:
            raise HubError(404, f"Entry not found: {rest}", "EntryNotFound")
        recursive = query.get("recursive", "false").lower() in ("1", "true")
        self._json(self._listing(commit, rest, recursive, query.get("expand", "false") in ("1", "true")))

    def paths_info(self, query, repo, revision):
        repo = self._repo(repo)
        commit = self._commit_of(repo, revision)
        raw = self._body()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(raw)
            paths, expand = body.get("paths", []), bool(body.get("expand"))
        else:
            form = parse_qs(raw.decode())
            paths, expand = form.get("paths", []), form.get("expand", ["false"])[-1] in ("1", "true", "True")
        out = []
        for path in paths:
            path = path.strip("/")
            if path in commit.files:
                out.append(self._entry(path, commit.files[path], expand))
            elif any(p.startswith(path + "/") for p in commit.files):
                out.append({"type": "directory", "oid": hashlib.sha1(path.encode()).hexdigest(), "size": 0, "path": path})
        self._json(out)

    def resolve(self, query, repo, revision, rest):
        repo = self._repo(repo)
        commit = self._commit_of(repo, quote(revision, safe=""))
        path = unquote(rest)
        blob = commit.files.get(path)
        if blob is None:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Repo-Commit": commit.oid,
            "ETag": f'"{blob.git_oid}"',
            "Accept-Ranges": "bytes",
        }
        if blob.lfs:
            headers["X-Linked-Etag"] = f'"{blob.sha256}"'
            headers["X-Linked-Size"] = str(len(blob.data))
        data, status = blob.data, 200
        ranged = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if ranged:
            size = len(data)
            start, end = ranged.groups()
            first = int(start) if start else max(0, size - int(end))
            last = min(int(end), size - 1) if start and end else size - 1
            data, status = data[first : last + 1], 206
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        headers["Content-Length"] = str(len(data))
        self._send(status, data, headers)

    # --- uploads ---------------------------------------------------------------------------------

    def preupload(self, query, repo, revision):
        repo = self._repo(repo, write=True)
        commit = self._commit_of(repo, revision)
        files = []
        for item in json.loads(self._body())["files"]:
            sample = base64.b64decode(item["sample"])
            lfs = (
                any(fnmatch.fnmatch(item["path"].rsplit("/", 1)[-1], p) for p in LFS_PATTERNS)
                or item["size"] >= LFS_THRESHOLD
                or b"\0" in sample
            )
            existing = commit.files.get(item["path"])
            files.append(
                {
                    "path": item["path"],
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": existing.upload_oid if existing is not None and existing.lfs == lfs else None,
                }
            )
        self._json({"files": files, "commitOid": commit.oid})

    def lfs_batch(self, query, repo):
        self._repo(repo, write=True)
        body = json.loads(self._body())
        objects = []
        for obj in body["objects"]:
            entry = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self.state.lfs:
                entry["actions"] = {
                    "upload": {"href": f"{self.base}/_lfs/{repo}/{obj['oid']}", "header": {}},
                    "verify": {"href": f"{self.base}/_lfs_verify/{repo}"},
                }
            objects.append(entry)
        self._json({"transfer": "basic", "objects": objects}, headers={"Content-Type": "application/vnd.git-lfs+json"})

    def lfs_upload(self, query, repo, oid):
        data = self._body()
        with self.state.lock:
            if self.state.fail_lfs_uploads:
                self.state.fail_lfs_uploads -= 1
                raise HubError(500, "storage backend unavailable")
        if hashlib.sha256(data).hexdigest() != oid:
            raise HubError(400, "uploaded content does not match its oid")
        self.state.lfs[oid] = data
        self._send(200)

    def lfs_verify(self, query, repo):
        self._repo(repo, write=True)
        body = json.loads(self._body())
        if body["oid"] not in self.state.lfs or len(self.state.lfs[body["oid"]]) != body["size"]:
            raise HubError(404, "object not found")
        self._json({})

    def commit(self, query, repo, revision):
        repo = self._repo(repo, write=True)
        lines = [json.loads(line) for line in self._body().splitlines() if line.strip()]
        with self.state.lock:
            if self.state.fail_commits:
                self.state.fail_commits -= 1
                raise HubError(500, "Internal Error - We're working hard to fix this as soon as possible!")
        base = self._commit_of(repo, revision)
        header = next(line["value"] for line in lines if line["key"] == "header")
        if header.get("parentCommit") and header["parentCommit"] != base.oid:
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(base.files)
        for line in lines:
            key, value = line["key"], line["value"]
            if key == "file":
                files[value["path"]] = Blob(base64.b64decode(value["content"]), False)
            elif key == "lfsFile":
                if value["oid"] not in self.state.lfs:
                    raise HubError(422, f"LFS object {value['oid']} of {value['path']} was never uploaded")
                files[value["path"]] = Blob(self.state.lfs[value["oid"]], True)
            elif key == "deletedFile":
                files.pop(value["path"], None)
            elif key == "deletedFolder":
                files = {p: b for p, b in files.items() if not p.startswith(value["path"].rstrip("/") + "/")}
        oid = self.state.commit(repo, base.oid, files, header["summary"], header.get("description", ""))
        pr_url = None
        if query.get("create_pr") in ("1", "true"):
            repo.prs += 1
            repo.refs[f"refs/pr/{repo.prs}"] = oid
            pr_url = f"{self.base}/datasets/{repo.id}/discussions/{repo.prs}"
        else:
            repo.refs[unquote(revision)] = oid
        self._json({"commitUrl": f"{self.base}/datasets/{repo.id}/commit/{oid}", "commitOid": oid,
                    "pullRequestUrl": pr_url, "success": True})


REV = r"(?P<revision>[^/]+)"
ROUTES = [
    ("POST", r"/api/repos/create", Handler.create_repo),
    ("POST", r"/api/validate-yaml", Handler.validate_yaml),
    ("GET", rf"/api/datasets/{REPO}", Handler.info),
    ("GET", rf"/api/datasets/{REPO}/revision/{REV}", Handler.info),
    ("GET", rf"/api/datasets/{REPO}/refs", Handler.refs),
    ("POST", rf"/api/datasets/{REPO}/branch/(?P<branch>[^/]+)", Handler.create_branch),
    ("GET", rf"/api/datasets/{REPO}/tree/{REV}(?:/(?P<rest>.*))?", Handler.tree),
    ("POST", rf"/api/datasets/{REPO}/paths-info/{REV}", Handler.paths_info),
    ("POST", rf"/api/datasets/{REPO}/preupload/{REV}", Handler.preupload),
    ("POST", rf"/api/datasets/{REPO}/commit/{REV}", Handler.commit),
    ("POST", rf"/datasets/{REPO}\.git/info/lfs/objects/batch", Handler.lfs_batch),
    ("PUT", rf"/_lfs/{REPO}/(?P<oid>[0-9a-f]{{64}})", Handler.lfs_upload),
    ("POST", rf"/_lfs_verify/{REPO}", Handler.lfs_verify),
    ("GET", rf"/datasets/{REPO}/resolve/(?P<revision>refs/pr/\d+|[^/]+)/(?P<rest>.+)", Handler.resolve),
    ("HEAD", rf"/datasets/{REPO}/resolve/(?P<revision>refs/pr/\d+|[^/]+)/(?P<rest>.+)", Handler.resolve),
]


class HubServer(ThreadingHTTPServer):
    """``with HubServer({"hf_good": "alice"}) as hub: hub.url``: a Hub on a free port, stopped on exit."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # clients closing keep-alive sockets are normal
        pass

    def __init__(self, tokens: dict[str, str]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = HubState(tokens)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        """The files of a repo at a revision, by path (for assertions)."""
        commit = self.state.repos[repo_id].resolve(revision)
        return {path: blob.data for path, blob in commit.files.items()}
