"""`corpus push`: upload a dataset folder written by `corpus build` to a Hugging Face Hub dataset repo.

The push mirrors OUT onto a branch of the repo: files that are new or changed are uploaded, files that are
unchanged on the Hub (same LFS sha256, or same git blob id for small files) are skipped, and files on the Hub
that OUT no longer has (say, shards of a previous release) are deleted. Uploads are grouped into commits of
at most `max_commit_bytes`; data files go first and the dataset card (README.md) and the deletions go in the
last commit, so the card never points at files that are not there yet. Every commit names its parent, so
a push fails instead of silently overwriting someone else's concurrent commit; re-running a failed push
resumes it, because what already arrived is skipped.

It uses the real `huggingface_hub` client (`HfApi`). The token comes from the `token` argument, else from
`huggingface_hub.get_token()` (HF_TOKEN, then the file `hf auth login` writes). It is never printed, logged
or written anywhere, and errors from the client are re-raised as `PushError` with any trace of it scrubbed.
The endpoint comes from the `endpoint` argument, else from HF_ENDPOINT, else huggingface.co.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

DEFAULT_MAX_COMMIT_BYTES = 500 * 1024**2
_CHUNK = 1024 * 1024


class PushError(RuntimeError):
    """The push was refused or failed; the message is one line and never contains the token."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


@dataclasses.dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to OUT and to the repo root, with "/" separators
    size: int
    status: str  # "new", "changed" or "unchanged"


@dataclasses.dataclass(frozen=True)
class PlannedCommit:
    paths: tuple[str, ...]  # files to upload
    deletions: tuple[str, ...]  # repo files to delete
    size: int  # bytes to upload
    url: str | None = None  # set once the commit is made
    oid: str | None = None


@dataclasses.dataclass
class PushResult:
    out: Path
    repo_id: str
    revision: str  # the branch pushed to
    endpoint: str
    dry_run: bool
    repo_exists: bool  # before the push
    branch_exists: bool  # before the push
    private: bool  # the repo's visibility (requested, if it is created)
    uploads: list[PlannedFile]
    unchanged: list[PlannedFile]
    deletions: list[str]
    commits: list[PlannedCommit]  # planned (dry run) or made
    head: str | None = None  # the branch's commit after the push (before it, for a dry run)

    @property
    def commit_urls(self) -> list[str]:
        return [c.url for c in self.commits if c.url]

    @property
    def repo_url(self) -> str:
        return f"{self.endpoint}/datasets/{self.repo_id}"

    def render(self) -> str:
        """The text `corpus push` prints."""
        where = f"datasets/{self.repo_id} (branch {self.revision}) at {self.endpoint}"
        visibility = "private" if self.private else "public"
        upload_bytes = sum(f.size for f in self.uploads)
        lines = []
        if self.dry_run:
            lines.append("dry run: nothing was changed on the Hub")
            lines.append(f"would push {self.out} to {where}")
            if not self.repo_exists:
                lines.append(f"  the repo was not found on the Hub: it would be created ({visibility})")
            if not self.branch_exists:
                lines.append(f"  branch {self.revision} does not exist: it would be created from main")
            if self.uploads:
                lines.append(f"  would upload {len(self.uploads)} file(s), {_human(upload_bytes)}, in {len(self.commits)} commit(s):")
                lines += [f"    {'+' if f.status == 'new' else '~'} {f.path} ({_human(f.size)}, {f.status})" for f in self.uploads]
            if self.deletions:
                lines.append(f"  would delete {len(self.deletions)} file(s) that are not in {self.out.name}:")
                lines += [f"    - {path}" for path in self.deletions]
            if self.unchanged:
                lines.append(f"  unchanged on the Hub, skipped: {len(self.unchanged)} file(s)")
            if not self.commits:
                lines.append("  nothing to push: the Hub already has this dataset")
            for i, c in enumerate(self.commits, 1):
                lines.append(f"  commit {i}/{len(self.commits)}: {len(c.paths)} upload(s), {len(c.deletions)} deletion(s), {_human(c.size)}")
            return "\n".join(lines)
        if not self.commits:
            lines.append(f"{where} is already up to date ({len(self.unchanged)} file(s) unchanged), commit {self.head}")
            if not self.branch_exists:
                lines.append(f"  created branch {self.revision} from main")
            return "\n".join(lines)
        lines.append(f"pushed {self.out} to {where}")
        if not self.repo_exists:
            lines.append(f"  created the repo ({visibility}): {self.repo_url}")
        if not self.branch_exists:
            lines.append(f"  created branch {self.revision} from main")
        lines.append(
            f"  uploaded {len(self.uploads)} file(s), {_human(upload_bytes)}; deleted {len(self.deletions)} file(s); "
            f"skipped {len(self.unchanged)} unchanged file(s)"
        )
        for i, c in enumerate(self.commits, 1):
            lines.append(f"  commit {i}/{len(self.commits)}: {c.url}")
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class _LocalFile:
    path: str
    abspath: Path
    size: int
    sha256: str


# --- the push ---------------------------------------------------------------------------------


def push(
    out: str | os.PathLike,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    dry_run: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
    max_commit_bytes: int = DEFAULT_MAX_COMMIT_BYTES,
    commit_message: str | None = None,
    force: bool = False,
) -> PushResult:
    """Upload the dataset folder OUT to the Hub dataset repo `repo_id` ("namespace/name").

    private: create the repo private (otherwise it gets the namespace's default, usually public); pushing
        with private=True to an existing public repo is refused.
    revision: the branch to push to (created from main if missing); default main.
    dry_run: compute and return the plan (what would be uploaded, skipped, deleted), change nothing.
    force: push even if `corpus_lib.validate` finds errors (the folder must still look like a dataset).
    """
    root = Path(out)
    check_dataset_folder(root)
    if not force:
        _check_valid(root)
    if max_commit_bytes < 1:
        raise PushError("max_commit_bytes must be at least 1")
    _check_repo_id(repo_id)
    if revision is not None:
        _check_branch_name(revision)
    branch = revision or "main"

    from huggingface_hub import get_token

    token = token or get_token()
    secret = token or None
    if not dry_run and not token:
        raise PushError("no Hugging Face token: set HF_TOKEN or run `hf auth login` (a write token is needed)")
    endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or "").rstrip("/") or None

    local = _scan(root, secret)
    from huggingface_hub import HfApi

    from corpus_lib import __version__

    api = HfApi(endpoint=endpoint, token=token, library_name="corpus_lib", library_version=__version__)
    shown_endpoint = _display_endpoint(api.endpoint)

    repo_exists, repo_private, branch_exists, head, remote = _remote_state(api, repo_id, branch, secret)
    if repo_exists and private and not repo_private:
        raise PushError(f"datasets/{repo_id} exists and is public; refusing to push with --private (make it private on the Hub first)")
    uploads, unchanged = _compare(local, remote)
    local_paths = {f.path for f in local}
    deletions = sorted(p for p in remote if p not in local_paths and not _hidden(p))
    commits = _group(uploads, deletions, max_commit_bytes)
    result = PushResult(
        out=root, repo_id=repo_id, revision=branch, endpoint=shown_endpoint, dry_run=dry_run,
        repo_exists=repo_exists, branch_exists=branch_exists, private=repo_private if repo_exists else private,
        uploads=uploads, unchanged=unchanged, deletions=deletions, commits=commits, head=head,
    )
    if dry_run:
        return result

    if not repo_exists:
        with _client_errors(f"creating datasets/{repo_id}", secret):
            api.create_repo(repo_id, repo_type="dataset", private=True if private else None, exist_ok=True)
    if not branch_exists:
        # From the very commit the plan was made against (main's head), or main's head if the repo is new.
        with _client_errors(f"creating branch {branch}", secret):
            api.create_branch(repo_id, branch=branch, revision=head, repo_type="dataset", exist_ok=True)
    if not repo_exists:
        with _client_errors(f"reading the head of branch {branch}", secret):
            head = api.repo_info(repo_id, repo_type="dataset", revision=branch).sha
    result.head = head
    if not commits:
        return result

    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    message = commit_message or _default_message(uploads, deletions)
    made: list[PlannedCommit] = []
    by_path = {f.path: f for f in local}
    for i, planned in enumerate(commits, 1):
        title = message if len(commits) == 1 else f"{message} (part {i}/{len(commits)})"
        operations: list[Any] = [CommitOperationAdd(path_in_repo=p, path_or_fileobj=str(by_path[p].abspath)) for p in planned.paths]
        operations += [CommitOperationDelete(path_in_repo=p) for p in planned.deletions]
        done = f"; {i - 1} of {len(commits)} commits were made, re-run the push to finish" if i > 1 else ""
        with _client_errors(f"commit {i}/{len(commits)} to datasets/{repo_id}@{branch}", secret, suffix=done):
            info = api.create_commit(
                repo_id,
                operations,
                commit_message=title,
                commit_description=_description(planned),
                repo_type="dataset",
                revision=branch,
                parent_commit=head,
            )
        head = info.oid
        made.append(dataclasses.replace(planned, url=info.commit_url, oid=info.oid))
    result.commits, result.head = made, head
    return result


def check_dataset_folder(root: Path) -> None:
    """Refuse, with a one-line reason, a folder that does not look like a Hub dataset folder."""
    if not root.is_dir():
        raise PushError(f"{root}: not a folder")
    card = root / "README.md"
    if not card.is_file():
        raise PushError(f"{root}: no README.md dataset card (is this a folder written by `corpus build`?)")
    text = card.read_text(encoding="utf-8", errors="replace")
    m = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|$)", text, re.S)
    if not m:
        raise PushError(f"{card}: no YAML front matter (the card must start with a --- block)")
    try:
        data = yaml.safe_load(m[1])
    except yaml.YAMLError as exc:
        raise PushError(f"{card}: the YAML front matter does not parse: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise PushError(f"{card}: the YAML front matter is not a mapping")
    data_dir = root / "data"
    if not data_dir.is_dir() or not any(p.is_file() for p in data_dir.rglob("*.parquet")):
        raise PushError(f"{root}: no Parquet files under data/")


def _check_valid(root: Path) -> None:
    from corpus_lib.validate import validate

    report = validate(root)
    if not report.ok:
        errors = report.errors
        raise PushError(
            f"{root} is not a valid dataset ({len(errors)} error(s); first: {errors[0]}); "
            f"run `corpus validate {root}` to see them all, or pass --force to push anyway"
        )


def _check_repo_id(repo_id: str) -> None:
    if not re.fullmatch(r"[\w.\-]+/[\w.\-]+", repo_id or "") or ".." in repo_id or repo_id.endswith((".", "-")):
        raise PushError(f"bad repo id {repo_id!r}: expected namespace/name (letters, digits, '-', '_', '.')")


def _check_branch_name(branch: str) -> None:
    if not branch or re.fullmatch(r"[0-9a-f]{40}", branch) or branch.startswith(("refs/", "/")) or ".." in branch or any(c.isspace() for c in branch):
        raise PushError(f"bad branch name {branch!r}: --revision takes a branch name, created if missing")


def _scan(root: Path, secret: str | None) -> list[_LocalFile]:
    """Every file of OUT to upload, sorted: hidden files and *.partial leftovers are left out."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if not _skipped(d))
        for d in dirnames:
            if (Path(dirpath) / d).is_symlink():
                raise PushError(f"{rel_dir / d}: is a symlink; refusing to upload what it points to")
        for name in sorted(filenames):
            if _skipped(name):
                continue
            path = Path(dirpath) / name
            rel = (rel_dir / name).as_posix()
            if path.is_symlink():
                raise PushError(f"{rel}: is a symlink; refusing to upload what it points to")
            files.append(_LocalFile(rel, path, path.stat().st_size, _sha256(path, rel, secret)))
    return sorted(files, key=lambda f: f.path)


def _skipped(name: str) -> bool:
    return name.startswith(".") or name.endswith(".partial")


def _hidden(repo_path: str) -> bool:
    return any(part.startswith(".") for part in repo_path.split("/"))


def _sha256(path: Path, rel: str, secret: str | None) -> str:
    """sha256 of the file; refuses a file that contains the token (a pasted config, a log...)."""
    digest = hashlib.sha256()
    needle = secret.encode() if secret else None
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            if needle is not None:
                if needle in tail + chunk:
                    raise PushError(f"{rel}: contains the Hugging Face token being used; refusing to upload it")
                tail = (tail + chunk)[-(len(needle) - 1):] if len(needle) > 1 else b""
    return digest.hexdigest()


def _git_blob_id(path: Path) -> str:
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _remote_state(api, repo_id: str, branch: str, secret: str | None) -> tuple[bool, bool, bool, str | None, dict[str, Any]]:
    """(repo exists, repo private, branch exists, branch head, {path: RepoFile} of the branch or of main)."""
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError
    from huggingface_hub.hf_api import RepoFile

    with _client_errors(f"reading datasets/{repo_id}", secret):
        try:
            info = api.repo_info(repo_id, repo_type="dataset")
        except RepositoryNotFoundError:
            return False, False, branch == "main", None, {}
        branch_exists, head, listed = True, info.sha, "main"
        if branch != "main":
            try:
                head = api.repo_info(repo_id, repo_type="dataset", revision=branch).sha
                listed = branch
            except RevisionNotFoundError:
                branch_exists = False  # it will be created from main: compare with main
        tree = api.list_repo_tree(repo_id, repo_type="dataset", revision=head or listed, recursive=True)
        remote = {entry.path: entry for entry in tree if isinstance(entry, RepoFile)}
    return True, bool(info.private), branch_exists, head, remote


def _compare(local: list[_LocalFile], remote: dict[str, Any]) -> tuple[list[PlannedFile], list[PlannedFile]]:
    uploads, unchanged = [], []
    for f in local:
        entry = remote.get(f.path)
        if entry is None:
            uploads.append(PlannedFile(f.path, f.size, "new"))
        elif _same(f, entry):
            unchanged.append(PlannedFile(f.path, f.size, "unchanged"))
        else:
            uploads.append(PlannedFile(f.path, f.size, "changed"))
    return uploads, unchanged


def _same(local: _LocalFile, entry: Any) -> bool:
    if entry.size != local.size:
        return False
    if entry.lfs is not None:
        return entry.lfs.sha256 == local.sha256
    return entry.blob_id == _git_blob_id(local.abspath)


def _group(uploads: list[PlannedFile], deletions: list[str], max_bytes: int) -> list[PlannedCommit]:
    """Commits of at most max_bytes (a bigger file goes alone): data/ first, README.md and deletions last."""
    order = sorted(uploads, key=lambda f: (f.path == "README.md", not f.path.startswith("data/"), f.path))
    groups: list[list[PlannedFile]] = []
    for f in order:
        if groups and sum(g.size for g in groups[-1]) + f.size <= max_bytes:
            groups[-1].append(f)
        else:
            groups.append([f])
    if deletions and not groups:
        groups.append([])
    commits = [PlannedCommit(tuple(f.path for f in g), (), sum(f.size for f in g)) for g in groups]
    if deletions:
        commits[-1] = dataclasses.replace(commits[-1], deletions=tuple(deletions))
    return commits


def _default_message(uploads: list[PlannedFile], deletions: list[str]) -> str:
    from corpus_lib import __version__

    parts = [f"upload {len(uploads)} file(s)"] if uploads else []
    if deletions:
        parts.append(f"delete {len(deletions)} file(s)")
    return f"corpus push: {', '.join(parts)} (corpus_lib {__version__})"


def _description(commit: PlannedCommit, limit: int = 50) -> str:
    lines = [f"+ {p}" for p in commit.paths] + [f"- {p}" for p in commit.deletions]
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more"]
    return "\n".join(lines)


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def _display_endpoint(endpoint: str) -> str:
    """The endpoint without any user:password@ part."""
    return re.sub(r"^(\w+://)[^/@]*@", r"\1", endpoint.rstrip("/"))


# --- errors, scrubbed ----------------------------------------------------------------------------


def scrub(text: str, secret: str | None = None) -> str:
    """`text` without the token, bearer credentials or anything shaped like a Hugging Face token, on one line."""
    if secret:
        text = text.replace(secret, "***")
    text = re.sub(r"(?i)(bearer\s+)\S+", r"\1***", text)
    text = re.sub(r"\bhf_[A-Za-z0-9]{30,}", "hf_***", text)  # user access tokens are hf_ + 34 letters/digits
    text = re.sub(r"(\w+://)[^/@\s]*@", r"\1", text)
    return " ".join(text.split())


class _client_errors:
    """Turn any exception from the Hub client into a PushError with a scrubbed one-line message."""

    def __init__(self, action: str, secret: str | None, suffix: str = ""):
        self.action, self.secret, self.suffix = action, secret, suffix

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or isinstance(exc, (PushError, KeyboardInterrupt, SystemExit)) or not isinstance(exc, Exception):
            return False
        message = scrub(f"{self.action} failed: {_explain(exc)}{self.suffix}", self.secret)
        raise PushError(message) from None


def _explain(exc: Exception) -> str:
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        server = exc.server_message or ""
        if isinstance(exc, RepositoryNotFoundError):
            return f"repository not found, or the token cannot access it (HTTP {status})"
        if isinstance(exc, RevisionNotFoundError):
            return f"branch not found (HTTP {status})"
        if status == 401:
            return f"the Hub rejected the token (HTTP 401){': ' + server if server else ''}"
        if status == 403:
            return f"the token is not allowed to do this; it needs write access (HTTP 403){': ' + server if server else ''}"
        if status == 412:
            return "the branch moved during the push (someone else committed?); re-run the push (HTTP 412)"
        return f"HTTP {status}: {server or str(exc).splitlines()[0]}"
    detail = _first_line(exc)
    cause = exc.__cause__ or exc.__context__
    if cause is not None and _first_line(cause) and _first_line(cause) != detail:
        detail = f"{detail} ({type(cause).__name__}: {_first_line(cause)})" if detail else _first_line(cause)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


# --- the command ---------------------------------------------------------------------------------


def add_push_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Register `corpus push` on the subparsers object of the `corpus` command."""
    p = subcommands.add_parser(
        "push",
        help="upload a dataset folder to a Hugging Face Hub dataset repo",
        description="Upload the dataset folder OUT (written by `corpus build`) to the Hub dataset repo REPO_ID, "
        "creating the repo if needed. Only new or changed files are uploaded; files in the repo that OUT "
        "no longer has (e.g. shards of a previous release) are deleted. The folder is validated first. "
        "The token is read from HF_TOKEN or from `hf auth login`; the Hub address from HF_ENDPOINT "
        "(default https://huggingface.co).",
    )
    p.add_argument("out", type=Path, metavar="OUT", help="dataset folder written by `corpus build`")
    p.add_argument("repo_id", metavar="REPO_ID", help="dataset repo as namespace/name, e.g. my-org/news-corpus")
    p.add_argument("--private", action="store_true", help="create the repo private (refused if it already exists and is public)")
    p.add_argument("--revision", metavar="BRANCH", help="push to this branch instead of main; it is created from main if missing")
    p.add_argument("--dry-run", action="store_true", help="print what would be uploaded, skipped and deleted; change nothing")
    p.add_argument("--force", action="store_true", help="push even if `corpus validate` finds errors in OUT")
    p.add_argument("--commit-message", metavar="MSG", help="commit title (default: a summary of the change)")
    p.add_argument(
        "--max-commit-mb", type=float, default=DEFAULT_MAX_COMMIT_BYTES / 1024**2, metavar="MB",
        help="upload in commits of at most this many MiB each (default: %(default).0f)",
    )
    return p


def run_push(args: argparse.Namespace) -> int:
    """Run `corpus push` from parsed arguments: print the result and return 0, or the reason and return 1."""
    max_mb = getattr(args, "max_commit_mb", None)
    try:
        result = push(
            args.out,
            args.repo_id,
            private=args.private,
            revision=args.revision,
            dry_run=args.dry_run,
            force=getattr(args, "force", False),
            commit_message=args.commit_message,
            max_commit_bytes=max(1, int(max_mb * 1024**2)) if max_mb else DEFAULT_MAX_COMMIT_BYTES,
        )
    except PushError as exc:
        print(f"corpus push: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # reading OUT failed
        print(f"corpus push: {scrub(str(exc))}", file=sys.stderr)
        return 1
    print(result.render())
    return 0
