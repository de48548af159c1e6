"""A test double of the Hugging Face Hub HTTP protocol, for tests only.

It speaks just enough of the Hub's HTTP API for the real `huggingface_hub` 2.4 client (and `datasets`,
which uses it) to create a dataset repo and a branch, upload files through the legacy LFS protocol,
commit, list trees and download files -- so that `corpus push`, `datasets.load_dataset(repo_id)` and
`huggingface_hub.snapshot_download(repo_id, repo_type="dataset")` can run against it with
`HF_ENDPOINT` pointed at `HubDouble.url`. It is a stdlib `http.server` on 127.0.0.1 (a free port),
served from a daemon thread; repos live in memory.

What it implements (paths as the client sends them; REPO is `namespace/name`, `{t}s` is
`models`/`datasets`/`spaces`, PREFIX is `datasets/`, `spaces/` or nothing for models):

    POST /api/repos/create                              create a repo (409 + url if it exists)
    GET  /api/whoami-v2                                 the token's user
    GET  /api/agent-harnesses                           empty registry (huggingface_hub asks once a day)
    POST /api/validate-yaml                             parses the card's YAML front matter
    GET  /api/{t}s/REPO[/revision/REV]                  repo info: sha, private, siblings, cardData
    GET  /api/{t}s/REPO/refs                            branches
    GET  /api/{t}s/REPO/commits/REV                     history, newest first
    GET  /api/{t}s/REPO/tree/REV[/PATH]                 ?recursive= &expand= (expand adds lastCommit)
    POST /api/{t}s/REPO/paths-info/REV                  form: paths=..., expand=...
    POST /api/{t}s/REPO/preupload/REV                   upload mode per file (lfs / regular) + remote oid
    POST /api/{t}s/REPO/commit/REV                      NDJSON: header, file, lfsFile, deletedFile, deletedFolder
    POST /api/{t}s/REPO/branch/BRANCH                   create a branch (409 if it exists)
    POST /PREFIXREPO.git/info/lfs/objects/batch         LFS batch API, "basic" transfer only
    POST /PREFIXREPO.git/info/lfs/objects/verify        LFS verify
    PUT  /_lfs_upload/TICKET                            the "presigned" upload URL the batch API hands out
    GET|HEAD /PREFIXREPO/resolve/REV/PATH               file download: ETag, X-Repo-Commit, Content-Length, Range

Honest simplifications: no Xet (the client must run with `HF_HUB_DISABLE_XET=1`, which makes
`huggingface_hub` use the LFS batch API); no redirects to a CDN (files are served directly); no
pagination; no pull requests or tags; any valid token may write to any namespace; a file is stored as
LFS when the repo's .gitattributes says so (as on the Hub, *.parquet is LFS by default), when it is
10 MiB or more, or when its 512-byte sample holds a NUL byte. Commit ids are sha1 digests of the tree,
the parent, the author, a sequence number and the message; blob ids are git blob sha1s (of the LFS
pointer for LFS files), as on the Hub.

Every request is recorded (`HubDouble.requests`: method, path with query, headers, body) so tests can
check where a token was sent. Write endpoints require `Authorization: Bearer <token>` with a token
from `tokens`; the LFS upload URL does not (like a presigned S3 URL, it carries a one-time ticket).
Tests can inject faults or a concurrent writer through `HubDouble.hooks` and `HubDouble.commit_files`,
and read the store back with `head`, `history` and `files`.
"""

from __future__ import annotations

import base64
import dataclasses
import fnmatch
import hashlib
import itertools
import json
import re
import secrets
import socket
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

LFS_THRESHOLD = 10 * 1024 * 1024
DEFAULT_GITATTRIBUTES = """\
*.7z filter=lfs diff=lfs merge=lfs -text
*.arrow filter=lfs diff=lfs merge=lfs -text
*.bin filter=lfs diff=lfs merge=lfs -text
*.gz filter=lfs diff=lfs merge=lfs -text
*.npy filter=lfs diff=lfs merge=lfs -text
*.parquet filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
*.zip filter=lfs diff=lfs merge=lfs -text
*.zst filter=lfs diff=lfs merge=lfs -text
*tfevents* filter=lfs diff=lfs merge=lfs -text
# Image files - uncompressed
*.png filter=lfs diff=lfs merge=lfs -text
*.jpg filter=lfs diff=lfs merge=lfs -text
*.jpeg filter=lfs diff=lfs merge=lfs -text
*.webp filter=lfs diff=lfs merge=lfs -text
"""
_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


def git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclasses.dataclass(frozen=True)
class StoredFile:
    size: int
    blob_id: str  # git blob sha1 of the content, or of the LFS pointer
    lfs_sha256: str | None = None  # set for LFS files; the content is then in HubDouble.lfs_objects


@dataclasses.dataclass(frozen=True)
class Commit:
    oid: str
    parent: str | None
    title: str
    message: str
    author: str
    date: str
    files: dict[str, StoredFile]


@dataclasses.dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    created_at: str
    branches: dict[str, str] = dataclasses.field(default_factory=dict)
    commits: dict[str, Commit] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names
    body: bytes


class HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


class HubDouble:
    """An in-memory Hub on 127.0.0.1. Use as a context manager, or call start() and stop()."""

    def __init__(self, tokens: dict[str, str] | None = None):
        self.tokens = dict(tokens or {})  # token -> user name
        self.repos: dict[tuple[str, str], Repo] = {}
        self.blobs: dict[str, bytes] = {}  # git blob id -> content (regular files)
        self.lfs_objects: dict[str, bytes] = {}  # sha256 -> content
        self.requests: list[RecordedRequest] = []
        # Called as hook(method, path) before a request is served; may raise HubError to fail it, or change the
        # state (e.g. commit as "someone else") to simulate a concurrent writer.
        self.hooks: list[Callable[[str, str], None]] = []
        self._tickets: dict[str, tuple[str, int]] = {}  # one-time upload ticket -> (sha256, size)
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._connections: set[Any] = set()  # open client sockets, closed by stop()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "HubDouble":
        double = self

        class Handler(_Handler):
            hub = double

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="hub-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop kept-alive connections, so no client can reach the double any more."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def __enter__(self) -> "HubDouble":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- inspection helpers for tests -------------------------------------------------------

    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def head(self, repo_id: str, revision: str = "main", repo_type: str = "dataset") -> Commit:
        repo = self.repo(repo_id, repo_type)
        return repo.commits[self._resolve(repo, revision)]

    def history(self, repo_id: str, revision: str = "main", repo_type: str = "dataset") -> list[Commit]:
        """Commits reachable from `revision`, newest first."""
        repo = self.repo(repo_id, repo_type)
        out, oid = [], self._resolve(repo, revision)
        while oid is not None:
            out.append(repo.commits[oid])
            oid = repo.commits[oid].parent
        return out

    def files(self, repo_id: str, revision: str = "main", repo_type: str = "dataset") -> dict[str, bytes]:
        return {path: self._content(f) for path, f in self.head(repo_id, revision, repo_type).files.items()}

    def commit_files(self, repo_id: str, files: dict[str, bytes], title: str, branch: str = "main", author: str = "someone-else", repo_type: str = "dataset") -> Commit:
        """Commit regular files straight into the store, as another writer would."""
        with self._lock:
            repo = self.repo(repo_id, repo_type)
            parent = repo.branches[branch]
            tree = dict(repo.commits[parent].files)
            for path, content in files.items():
                self.blobs[git_blob_id(content)] = content
                tree[path] = StoredFile(len(content), git_blob_id(content))
            commit = self._new_commit(repo, parent, tree, title, "", author)
            repo.branches[branch] = commit.oid
            return commit

    # --- request handling -------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes, base_url: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append(RecordedRequest(method, raw_path, headers, body))
        split = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        try:
            with self._lock:
                for hook in list(self.hooks):
                    hook(method, split.path)
                return self._route(method, split.path, query, headers, body, base_url)
        except HubError as err:
            out_headers = {"X-Error-Message": err.message, **err.headers}
            if err.code:
                out_headers["X-Error-Code"] = err.code
            return _json(err.status, {"error": err.message}, out_headers)

    def _route(self, method, path, query, headers, body, base) -> tuple[int, dict[str, str], bytes]:
        user = self._user(headers)
        if path == "/api/repos/create" and method == "POST":
            return self._create_repo(self._require(user), _load_json(body), base)
        if path == "/api/whoami-v2" and method == "GET":
            return _json(200, {"type": "user", "name": self._require(user), "orgs": []})
        if path == "/api/agent-harnesses" and method == "GET":
            return _json(200, {"standardEnvVars": [], "harnesses": {}})
        if path == "/api/validate-yaml" and method == "POST":
            return self._validate_yaml(_load_json(body))
        if path.startswith("/_lfs_upload/") and method == "PUT":
            return self._lfs_put(path.rsplit("/", 1)[1], body)
        m = re.fullmatch(r"/api/(models|datasets|spaces)/([^/]+)/([^/]+)(?:/(.*))?", path)
        if m:
            repo_type, repo_id, rest = _TYPES[m[1]], f"{unquote(m[2])}/{unquote(m[3])}", m[4]
            return self._api(method, repo_type, repo_id, rest, query, headers, body, user, base)
        m = re.fullmatch(r"/(?:(datasets|spaces)/)?([^/]+)/([^/]+)\.git/info/lfs/objects/(batch|verify)", path)
        if m and method == "POST":
            self._require(user)
            repo = self._get_repo(_TYPES[m[1]] if m[1] else "model", f"{unquote(m[2])}/{unquote(m[3])}", user)
            return self._lfs_batch(repo, _load_json(body), base) if m[4] == "batch" else self._lfs_verify(_load_json(body))
        m = re.fullmatch(r"/(?:(datasets|spaces)/)?([^/]+)/([^/]+)/resolve/([^/]+)/(.+)", path)
        if m and method in ("GET", "HEAD"):
            repo = self._get_repo(_TYPES[m[1]] if m[1] else "model", f"{unquote(m[2])}/{unquote(m[3])}", user)
            return self._resolve_file(repo, unquote(m[4]), unquote(m[5]), headers)
        raise HubError(404, f"the Hub double does not implement {method} {path}")

    def _api(self, method, repo_type, repo_id, rest, query, headers, body, user, base):
        if rest is None and method == "GET":
            repo = self._get_repo(repo_type, repo_id, user)
            return self._repo_info(repo, "main", query)
        action, _, tail = (rest or "").partition("/")
        if action == "revision" and method == "GET":
            return self._repo_info(self._get_repo(repo_type, repo_id, user), unquote(tail), query)
        if action == "refs" and method == "GET":
            repo = self._get_repo(repo_type, repo_id, user)
            branches = [{"name": b, "ref": f"refs/heads/{b}", "targetCommit": oid} for b, oid in sorted(repo.branches.items())]
            return _json(200, {"branches": branches, "converts": [], "tags": [], "pullRequests": []})
        rev, _, sub = tail.partition("/")
        rev, sub = unquote(rev), unquote(sub)
        if action == "commits" and method == "GET":
            repo = self._get_repo(repo_type, repo_id, user)
            return _json(200, [_commit_json(c) for c in self.history(repo_id, self._resolve(repo, rev), repo_type)])
        if action == "tree" and method == "GET":
            repo = self._get_repo(repo_type, repo_id, user)
            return self._tree(repo, rev, sub.strip("/"), _true(query.get("recursive")), _true(query.get("expand")))
        if action == "paths-info" and method == "POST":
            repo = self._get_repo(repo_type, repo_id, user)
            form = parse_qs(body.decode(), keep_blank_values=True)
            return self._paths_info(repo, rev, form.get("paths", []), _true((form.get("expand") or [""])[-1]))
        if action == "preupload" and method == "POST":
            self._require(user)
            return self._preupload(self._get_repo(repo_type, repo_id, user), rev, _load_json(body), query)
        if action == "commit" and method == "POST":
            author = self._require(user)
            return self._commit(self._get_repo(repo_type, repo_id, user), rev, body, author, query, base)
        if action == "branch" and method == "POST":
            self._require(user)
            return self._create_branch(self._get_repo(repo_type, repo_id, user), rev, _load_json(body) if body else {})
        raise HubError(404, f"the Hub double does not implement {method} /api/{repo_type}s/{repo_id}/{rest}")

    # --- auth and lookup ---

    def _user(self, headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization")
        if auth is None:
            return None
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or token not in self.tokens:
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.tokens[token]

    @staticmethod
    def _require(user: str | None) -> str:
        if user is None:
            raise HubError(401, "You must be authenticated to do this (no Authorization header)")
        return user

    def _get_repo(self, repo_type: str, repo_id: str, user: str | None) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and user is None):
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def _resolve(self, repo: Repo, revision: str) -> str:
        if revision in repo.branches:
            return repo.branches[revision]
        if revision.startswith("refs/heads/") and revision[len("refs/heads/"):] in repo.branches:
            return repo.branches[revision[len("refs/heads/"):]]
        if re.fullmatch(r"[0-9a-f]{40}", revision) and revision in repo.commits:
            return revision
        raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    def _content(self, f: StoredFile) -> bytes:
        return self.lfs_objects[f.lfs_sha256] if f.lfs_sha256 else self.blobs[f.blob_id]

    # --- repos, branches, commits ---

    def _create_repo(self, user: str, payload: dict, base: str):
        repo_type = payload.get("type") or "model"
        if repo_type not in _PREFIX:
            raise HubError(400, f"invalid repo type {repo_type!r}")
        name, namespace = payload.get("name"), payload.get("organization") or user
        if not name or not re.fullmatch(r"[\w.\-]{1,96}", name) or not re.fullmatch(r"[\w.\-]{1,96}", namespace):
            raise HubError(400, "invalid repo name")
        repo_id = f"{namespace}/{name}"
        url = f"{base}/{_PREFIX[repo_type]}{repo_id}"
        if (repo_type, repo_id) in self.repos:
            return _json(409, {"error": "You already created this repo", "url": url})
        private = payload.get("visibility") == "private" or payload.get("private") is True
        repo = Repo(repo_type, repo_id, private, _now())
        self.repos[(repo_type, repo_id)] = repo
        attributes = DEFAULT_GITATTRIBUTES.encode()
        self.blobs[git_blob_id(attributes)] = attributes
        files = {".gitattributes": StoredFile(len(attributes), git_blob_id(attributes))}
        repo.branches["main"] = self._new_commit(repo, None, files, "initial commit", "", user).oid
        return _json(200, {"url": url, "name": repo_id, "id": repo_id})

    def _new_commit(self, repo: Repo, parent: str | None, files: dict[str, StoredFile], title: str, description: str, author: str) -> Commit:
        tree = hashlib.sha1("".join(f"{p}\0{f.blob_id}\n" for p, f in sorted(files.items())).encode()).hexdigest()
        seq = next(self._seq)
        raw = f"tree {tree}\nparent {parent}\nauthor {author} {seq}\n\n{title}\n\n{description}"
        oid = hashlib.sha1(raw.encode()).hexdigest()
        commit = Commit(oid, parent, title, f"{title}\n\n{description}".strip(), author, _now(), dict(files))
        repo.commits[oid] = commit
        return commit

    def _create_branch(self, repo: Repo, branch: str, payload: dict):
        if not branch or branch in repo.branches:
            raise HubError(409, f"Reference refs/heads/{branch} already exists")
        if re.fullmatch(r"[0-9a-f]{40}", branch) or branch.startswith("refs/") or ".." in branch:
            raise HubError(400, f"invalid branch name {branch!r}")
        repo.branches[branch] = self._resolve(repo, payload.get("startingPoint") or "main")
        return _json(200, {})

    def _commit(self, repo: Repo, revision: str, body: bytes, author: str, query: dict, base: str):
        if _true(query.get("create_pr")):
            raise HubError(400, "the Hub double does not implement pull requests")
        if revision not in repo.branches:
            raise HubError(404, f"Invalid rev id: {revision} (commits go to a branch)", "RevisionNotFound")
        parent = repo.branches[revision]
        files = dict(repo.commits[parent].files)
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "the commit payload must start with a header line")
        header = lines[0]["value"]
        if header.get("parentCommit") and header["parentCommit"] != parent:
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        for item in lines[1:]:
            key, value = item.get("key"), item.get("value", {})
            path = value.get("path", "")
            if key == "file":
                content = base64.b64decode(value["content"]) if value.get("encoding") == "base64" else value["content"].encode()
                self.blobs[git_blob_id(content)] = content
                files[path] = StoredFile(len(content), git_blob_id(content))
            elif key == "lfsFile":
                oid = value.get("oid", "")
                if oid not in self.lfs_objects or ("size" in value and value["size"] != len(self.lfs_objects[oid])):
                    raise HubError(422, f"Your push was rejected because an LFS pointer pointed to a file that does not exist: {path}")
                size = len(self.lfs_objects[oid])
                files[path] = StoredFile(size, git_blob_id(lfs_pointer(oid, size)), oid)
            elif key == "deletedFile":
                if path not in files:
                    raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
                del files[path]
            elif key == "deletedFolder":
                prefix = path.rstrip("/") + "/"
                doomed = [p for p in files if p.startswith(prefix)]
                if not doomed:
                    raise HubError(404, f"A folder with this name doesn't exist: {path}", "EntryNotFound")
                for p in doomed:
                    del files[p]
            else:
                raise HubError(400, f"unknown commit operation {key!r}")
        commit = self._new_commit(repo, parent, files, header.get("summary", ""), header.get("description", ""), author)
        repo.branches[revision] = commit.oid
        url = f"{base}/{_PREFIX[repo.repo_type]}{repo.repo_id}/commit/{commit.oid}"
        return _json(200, {"success": True, "commitOid": commit.oid, "commitUrl": url, "hookOutput": "", "pullRequestUrl": None})

    # --- uploads ---

    def _upload_mode(self, files: dict[str, StoredFile], path: str, size: int, sample: bytes) -> str:
        if size >= LFS_THRESHOLD or b"\0" in sample:
            return "lfs"
        attributes = files.get(".gitattributes")
        rules = self._content(attributes).decode() if attributes else ""
        for line in rules.splitlines():
            pattern, *attrs = line.split()
            if pattern.startswith("#") or "filter=lfs" not in attrs:
                continue
            target = path if "/" in pattern else path.rsplit("/", 1)[-1]
            if fnmatch.fnmatch(target, pattern):
                return "lfs"
        return "regular"

    def _preupload(self, repo: Repo, revision: str, payload: dict, query: dict):
        files = repo.commits[self._resolve(repo, revision)].files
        out = []
        for item in payload.get("files", []):
            path, size = item["path"], int(item["size"])
            mode = self._upload_mode(files, path, size, base64.b64decode(item.get("sample", "")))
            entry: dict[str, Any] = {"path": path, "uploadMode": mode, "shouldIgnore": False}
            if path in files:
                existing = files[path]
                entry["oid"] = existing.lfs_sha256 if mode == "lfs" and existing.lfs_sha256 else existing.blob_id
            out.append(entry)
        return _json(200, {"files": out, "commitOid": repo.branches.get(revision, revision)})

    def _lfs_batch(self, repo: Repo, payload: dict, base: str):
        if payload.get("operation") != "upload":
            raise HubError(400, "the Hub double only implements LFS uploads")
        if "basic" not in payload.get("transfers", ["basic"]):
            raise HubError(400, "the Hub double only implements the basic LFS transfer")
        objects = []
        for obj in payload.get("objects", []):
            oid, size = obj["oid"], int(obj["size"])
            entry: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            if oid not in self.lfs_objects:
                ticket = secrets.token_hex(16)
                self._tickets[ticket] = (oid, size)
                entry["actions"] = {
                    "upload": {"href": f"{base}/_lfs_upload/{ticket}", "header": {}},
                    "verify": {"href": f"{base}/{_PREFIX[repo.repo_type]}{repo.repo_id}.git/info/lfs/objects/verify", "header": {}},
                }
            objects.append(entry)
        return _json(200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"})

    def _lfs_put(self, ticket: str, body: bytes):
        if ticket not in self._tickets:
            raise HubError(403, "invalid or used upload ticket")
        oid, size = self._tickets.pop(ticket)
        if len(body) != size or hashlib.sha256(body).hexdigest() != oid:
            raise HubError(400, "uploaded content does not match the announced sha256 and size")
        self.lfs_objects[oid] = body
        return 200, {"ETag": f'"{hashlib.md5(body).hexdigest()}"'}, b""

    def _lfs_verify(self, payload: dict):
        content = self.lfs_objects.get(payload.get("oid", ""))
        if content is None or len(content) != payload.get("size"):
            raise HubError(404, "LFS object not found")
        return _json(200, {"success": True})

    def _validate_yaml(self, payload: dict):
        content = payload.get("content", "")
        m = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", content, re.S)
        if not m:
            return _json(200, {"errors": [], "warnings": [{"message": "empty or missing yaml metadata in repo card"}]})
        try:
            data = yaml.safe_load(m[1])
        except yaml.YAMLError as exc:
            return _json(400, {"errors": [{"message": f"invalid YAML: {exc}"}], "warnings": []})
        if not isinstance(data, dict):
            return _json(400, {"errors": [{"message": "YAML metadata must be a mapping"}], "warnings": []})
        return _json(200, {"errors": [], "warnings": []})

    # --- reads ---

    def _repo_info(self, repo: Repo, revision: str, query: dict):
        commit = repo.commits[self._resolve(repo, revision)]
        siblings = []
        for path, f in sorted(commit.files.items()):
            sibling: dict[str, Any] = {"rfilename": path}
            if _true(query.get("blobs")):
                sibling.update(size=f.size, blobId=f.blob_id)
                if f.lfs_sha256:
                    sibling["lfs"] = {"size": f.size, "sha256": f.lfs_sha256, "pointerSize": len(lfs_pointer(f.lfs_sha256, f.size))}
            siblings.append(sibling)
        card = None
        if "README.md" in commit.files:
            m = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", self._content(commit.files["README.md"]).decode(errors="replace"), re.S)
            try:
                card = yaml.safe_load(m[1]) if m else None
            except yaml.YAMLError:
                card = None
        namespace = repo.repo_id.split("/")[0]
        info = {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24], "id": repo.repo_id, "author": namespace,
            "sha": commit.oid, "private": repo.private, "gated": False, "disabled": False, "downloads": 0, "likes": 0,
            "tags": [], "createdAt": repo.created_at, "lastModified": commit.date, "siblings": siblings,
            "cardData": card if isinstance(card, dict) else None,
        }
        if repo.repo_type == "model":
            info["modelId"] = repo.repo_id
        return _json(200, info)

    def _entry(self, repo: Repo, commit: Commit, path: str, expand: bool) -> dict[str, Any]:
        files = commit.files
        if path in files:
            f = files[path]
            out: dict[str, Any] = {"type": "file", "oid": f.blob_id, "size": f.size, "path": path}
            if f.lfs_sha256:
                out["lfs"] = {"oid": f.lfs_sha256, "size": f.size, "pointerSize": len(lfs_pointer(f.lfs_sha256, f.size))}
        else:
            prefix = path + "/"
            listing = "".join(f"{p}\0{f.blob_id}\n" for p, f in sorted(files.items()) if p.startswith(prefix))
            out = {"type": "directory", "oid": hashlib.sha1(listing.encode()).hexdigest(), "size": 0, "path": path}
        if expand:
            last = self._last_commit(repo, commit, path)
            out["lastCommit"] = {"id": last.oid, "title": last.title, "date": last.date}
        return out

    def _last_commit(self, repo: Repo, commit: Commit, path: str) -> Commit:
        def state(c: Commit):
            return sorted((p, f.blob_id) for p, f in c.files.items() if p == path or p.startswith(path + "/"))

        current = commit
        while current.parent is not None and state(repo.commits[current.parent]) == state(current):
            current = repo.commits[current.parent]
        return current

    @staticmethod
    def _dirs(files: dict[str, StoredFile]) -> set[str]:
        return {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)}

    def _tree(self, repo: Repo, revision: str, path: str, recursive: bool, expand: bool):
        commit = repo.commits[self._resolve(repo, revision)]
        dirs = self._dirs(commit.files)
        if path and path not in dirs:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound", {"X-Repo-Commit": commit.oid})
        prefix = path + "/" if path else ""
        names = [p for p in (*dirs, *commit.files) if p.startswith(prefix) and (recursive or "/" not in p[len(prefix):])]
        entries = [self._entry(repo, commit, p, expand) for p in names]
        entries.sort(key=lambda e: (e["type"] != "directory", e["path"]))
        return _json(200, entries)

    def _paths_info(self, repo: Repo, revision: str, paths: list[str], expand: bool):
        commit = repo.commits[self._resolve(repo, revision)]
        dirs = self._dirs(commit.files)
        wanted = [p.strip("/") for p in paths]
        return _json(200, [self._entry(repo, commit, p, expand) for p in wanted if p in commit.files or p in dirs])

    def _resolve_file(self, repo: Repo, revision: str, path: str, headers: dict[str, str]):
        oid = self._resolve(repo, revision)
        f = repo.commits[oid].files.get(path)
        if f is None:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound", {"X-Repo-Commit": oid})
        content = self._content(f)
        out_headers = {
            "X-Repo-Commit": oid,
            "ETag": f'"{f.lfs_sha256 or f.blob_id}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(path.rsplit('/', 1)[-1])}",
        }
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", headers.get("range", ""))
        if m and content and (m[1] or m[2]):
            start = int(m[1]) if m[1] else max(len(content) - int(m[2]), 0)
            end = min(int(m[2]), len(content) - 1) if m[1] and m[2] else len(content) - 1
            if start >= len(content) or start > end:
                return 416, {"Content-Range": f"bytes */{len(content)}", **out_headers}, b""
            out_headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
            return 206, out_headers, content[start:end + 1]
        return 200, out_headers, content


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hub: HubDouble

    def setup(self) -> None:
        super().setup()
        with self.hub._lock:
            self.hub._connections.add(self.connection)

    def finish(self) -> None:
        with self.hub._lock:
            self.hub._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def _serve(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
            body = bytes(body)
        else:
            body = self.rfile.read(int(headers.get("content-length") or 0))
        host = headers.get("host") or "%s:%d" % self.server.server_address[:2]
        status, out_headers, payload = self.hub.handle(self.command, self.path, headers, body, f"http://{host}")
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value.encode("ascii", "backslashreplace").decode("ascii"))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


def _commit_json(commit: Commit) -> dict[str, Any]:
    return {"id": commit.oid, "title": commit.title, "message": commit.message, "authors": [{"user": commit.author}], "date": commit.date}


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(data).encode()


def _load_json(body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except ValueError as exc:
        raise HubError(400, f"invalid JSON body: {exc}") from None


def _true(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")
