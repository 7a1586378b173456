"""Run directories: atomic artifact files and per-stage manifests.

A run directory holds one folder per stage (``01_sft``, ``02_preference``, ...). A
stage folder is complete when its ``manifest.json`` exists: the manifest is written
last, records the configuration values the stage depends on, the digests of the
upstream manifests it read, and the size and SHA-256 of every file it wrote. So

- a stage killed at any point leaves no manifest, and its rerun starts over (or
  resumes from its checkpoint files, each of which is itself written atomically).
  A stage records the digest of its configuration in ``started.json`` before it
  writes anything, so checkpoints of a run with another configuration are
  discarded instead of being mixed into the new results;
- rerunning a finished stage with the same configuration finds the manifest and
  does nothing;
- a changed configuration or upstream stage makes the manifest stale: the stage
  says so, removes its old outputs and recomputes;
- reading an artifact checks its size and hash, so a corrupt or truncated file is
  reported instead of being read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import resource
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp and mkdtemp create owner-only files (0600) and folders (0700). Written
# artifacts get the permissions a plain open() or mkdir() would give instead, so
# other users of a shared run directory can read them.
FILE_MODE = 0o666 & ~_current_umask()
DIR_MODE = 0o777 & ~_current_umask()
STARTED = "started.json"


class ArtifactError(RuntimeError):
    """An artifact is missing, corrupt, or was made with another configuration."""


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` and rename the result onto ``path``.

    The temporary file sits in the same directory, so the rename is atomic and a
    reader never sees a partial file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, FILE_MODE)
        os.replace(tmp_path, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def atomic_write_dir(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_dir)`` and rename the finished directory onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        write(tmp_dir)
        os.chmod(tmp_dir, DIR_MODE)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp_dir, path)
    finally:
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir)


def save_json(path: Path, obj) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2) + "\n"))


def save_jsonl(path: Path, rows: list[dict]) -> None:
    def write(p: Path) -> None:
        with p.open("w") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")

    atomic_write(path, write)


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    def write(p: Path) -> None:
        with p.open("wb") as f:
            np.savez(f, **arrays)

    atomic_write(path, write)


def load_json(path: Path):
    try:
        return json.loads(Path(path).read_text())
    except json.JSONDecodeError as err:
        raise ArtifactError(
            f"{path} is not valid JSON ({err}); delete it and rerun the stage."
        ) from err


def load_jsonl(path: Path) -> list[dict]:
    rows = []
    with Path(path).open() as f:
        for line_no, line in enumerate(f, start=1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ArtifactError(
                    f"{path}:{line_no} is not valid JSON ({err}); delete the file "
                    "and rerun the stage."
                ) from err
    return rows


def load_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise ArtifactError(
            f"{path} is not a readable .npz file ({err}); delete it and rerun the "
            "stage."
        ) from err


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def json_digest(obj) -> str:
    """Return the first 16 hex digits of the SHA-256 of ``obj`` as sorted JSON."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


class Stage:
    """One stage folder of a run directory.

    Parameters
    ----------
    root : Path
        The stage folder, e.g. ``runs/cpu/03_reward_models/seed_0``.
    config : dict
        The configuration values the stage's outputs depend on (JSON values).
    upstream : dict[str, Stage]
        Finished stages whose artifacts this stage reads.
    """

    def __init__(self, root: Path, config: dict, upstream: dict | None = None):
        self.root = Path(root)
        self.config = config
        self.prepared_at: float | None = None
        self.upstream = {}
        for name, stage in (upstream or {}).items():
            stage.require_done()
            self.upstream[name] = stage.digest()

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def manifest(self) -> dict | None:
        if not self.manifest_path.exists():
            return None
        return load_json(self.manifest_path)

    def digest(self) -> str:
        return self.manifest()["digest"]

    def expected_digest(self) -> str:
        return json_digest({"config": self.config, "upstream": self.upstream})

    def is_done(self) -> bool:
        manifest = self.manifest()
        return manifest is not None and manifest["digest"] == self.expected_digest()

    def require_done(self) -> None:
        """Raise unless this stage finished with the current configuration."""
        manifest = self.manifest()
        if manifest is None:
            raise ArtifactError(
                f"{self.root} has no manifest: the stage has not finished. Run it "
                "first."
            )
        if manifest["digest"] != self.expected_digest():
            changed = _changed_keys(manifest["config"], self.config)
            details = (
                ", ".join(
                    f"{k}={manifest['config'].get(k)!r} there, {self.config.get(k)!r} now"
                    for k in changed
                )
                or "its upstream stages were recomputed since"
            )
            raise ArtifactError(
                f"{self.root} was made with a different configuration ({details}). "
                "Rerun that stage with the current parameters, or pass the same "
                "parameters here."
            )
        self.verify()

    def prepare(self) -> bool:
        """Return True when the stage is already done; otherwise make it ready to run.

        A manifest from another configuration is reported, then the folder is
        cleared. Without a manifest, checkpoint files of an interrupted run stay
        when its ``started.json`` records the same configuration digest, and are
        cleared otherwise.
        """
        manifest = self.manifest()
        if manifest is not None and manifest["digest"] == self.expected_digest():
            self.verify()
            logger.info("%s is up to date; nothing to do.", self.root)
            return True

        if manifest is not None:
            changed = _changed_keys(manifest["config"], self.config)
            reason = (
                f"configuration changed ({', '.join(changed)})"
                if changed
                else ("an upstream stage was recomputed")
            )
            logger.warning("%s: %s; recomputing.", self.root, reason)
            shutil.rmtree(self.root)
        elif self.root.exists() and any(self.root.iterdir()):
            self._discard_foreign_checkpoints()
        self.prepared_at = time.perf_counter()
        self.root.mkdir(parents=True, exist_ok=True)
        # Temporary files and folders of writes that a kill interrupted. Every
        # temporary name starts with a dot, and nothing else here does. Reverse
        # order removes a folder's contents before the folder.
        for stray in sorted(self.root.rglob(".*"), reverse=True):
            if stray.is_dir() and not stray.is_symlink():
                shutil.rmtree(stray)
            else:
                stray.unlink()
        if not self.started_path.exists():
            save_json(
                self.started_path,
                {"config": self.config, "digest": self.expected_digest()},
            )
        return False

    @property
    def started_path(self) -> Path:
        return self.root / STARTED

    def _discard_foreign_checkpoints(self) -> None:
        """Clear the files of an interrupted run unless it had this configuration."""
        started = load_json(self.started_path) if self.started_path.exists() else None
        if started is not None and started["digest"] == self.expected_digest():
            logger.info(
                "%s: resuming from the checkpoints of an interrupted run.", self.root
            )
            return

        if started is None:
            reason = "they have no record of their configuration"
        else:
            changed = _changed_keys(started["config"], self.config)
            reason = (
                f"they were made with other values of {', '.join(changed)}"
                if changed
                else "they were made before an upstream stage was recomputed"
            )
        logger.warning(
            "%s: discarding the checkpoints of an interrupted run because %s.",
            self.root,
            reason,
        )
        shutil.rmtree(self.root)

    def finish(self, files: list[str], extra: dict | None = None) -> None:
        """Write the manifest after every artifact file is in place."""
        entries = {}
        for name in files:
            path = self.root / name
            entries[name] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
        manifest = {
            "stage": self.root.name,
            "config": self.config,
            "upstream": self.upstream,
            "digest": self.expected_digest(),
            "files": entries,
            "cost": self._cost(),
            **(extra or {}),
        }
        save_json(self.manifest_path, manifest)
        self.started_path.unlink(missing_ok=True)

    def _cost(self) -> dict:
        """Wall time since :meth:`prepare` and the process's peak memory so far.

        A resumed stage counts only the time of its last run. The peak is the
        maximum resident set size of the whole process (``ru_maxrss``, KiB on
        Linux), so it includes earlier stages run in the same process.
        """
        seconds = None
        if self.prepared_at is not None:
            seconds = round(time.perf_counter() - self.prepared_at, 1)
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"seconds": seconds, "process_peak_rss_mib": round(peak_kib / 1024)}

    def verify(self) -> None:
        """Check every recorded file's size and hash."""
        manifest = self.manifest()
        for name, entry in manifest["files"].items():
            path = self.root / name
            if not path.exists():
                raise ArtifactError(
                    f"{path} is listed in {self.manifest_path} but missing. Delete "
                    f"{self.root} and rerun the stage."
                )
            if (
                path.stat().st_size != entry["bytes"]
                or file_sha256(path) != entry["sha256"]
            ):
                raise ArtifactError(
                    f"{path} is corrupt or truncated (size or SHA-256 differs from "
                    f"{self.manifest_path}). Delete {self.root} and rerun the stage."
                )

    def path(self, name: str) -> Path:
        return self.root / name


def _changed_keys(old: dict, new: dict) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [k for k in keys if old.get(k) != new.get(k)]
