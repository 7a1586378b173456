"""Load instruction splits in AlpacaFarm's schema and format them as prompts.

Every row is a dict with string fields ``instruction``, ``input`` (may be empty) and
``output`` (the reference answer, may be empty). The project's splits are
:data:`SPLITS`. The project ships its own instruction set in
:data:`DEFAULT_DATA_DIR` (written by ``data/make_instructions.py``), and
:func:`load_split` also reads other local files or a Hugging Face Hub dataset.

Prompts and responses use the OpenAssistant markers: a prompt starts with
:data:`PROMPTER` and ends with :data:`END_OF_TEXT` followed by :data:`ASSISTANT`, and
a response ends with :data:`END_OF_TEXT`.

Example
-------
>>> row = {"instruction": "Sort these words.", "input": "pear, fig", "output": ""}
>>> format_prompt(row)
'<|prompter|>Sort these words.\\n\\npear, fig<|endoftext|><|assistant|>'
>>> format_response("fig, pear")
'fig, pear<|endoftext|>'
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

logger = logging.getLogger(__name__)

SPLITS = ("sft", "preference", "unlabeled", "val")
FIELDS = ("instruction", "input", "output")

# NOTE: this path exists in a checkout of the repository (or an editable install).
# A regular wheel install does not ship data/, so pass an explicit source there.
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "instructions"

PROMPTER = "<|prompter|>"
ASSISTANT = "<|assistant|>"
END_OF_TEXT = "<|endoftext|>"

# Hub dataset id, optionally with a config name: "owner/name" or "owner/name:config".
_HUB_ID_PATTERN = re.compile(r"^[\w.-]+/[\w.-]+(:[\w.-]+)?$")
_PREVIEW_CHARS = 60


def load_split(
    source: str | Path, split: str, *, limit: int | None = None
) -> list[dict]:
    """Load and validate one split of instruction rows.

    Parameters
    ----------
    source
        Where the rows are, tried in this order:

        - a directory that contains ``{split}.jsonl`` or ``{split}.json``, read
          like the single files below;
        - a single ``.jsonl`` file, taken whole, so ``split`` only names it;
        - a single ``.json`` file (any suffix other than ``.jsonl`` is parsed as
          JSON). If it contains a list, the list is taken whole.
          If it contains an object, ``split`` must be one of its top-level keys and
          the value under that key must be a list of rows;
        - a Hugging Face Hub dataset id such as ``"tatsu-lab/alpaca_farm"``, or
          ``"tatsu-lab/alpaca_farm:alpaca_instructions"`` to select a config. Only a
          string that is not an existing path is read as a Hub id. This needs the
          ``datasets`` package.
    split
        One of :data:`SPLITS`.
    limit
        Keep only the first ``limit`` rows. Only these rows are validated.

    Returns
    -------
    list of dict
        ``(n_rows,)`` rows, each with at least the string fields ``instruction``,
        ``input`` and ``output``. Extra fields are kept.

    Raises
    ------
    ValueError
        If ``split`` is unknown, ``limit`` is negative, a JSON file cannot be
        parsed, or a row has a missing field, a non-string field or an empty
        instruction.
    TypeError
        If ``limit`` is not an int or None.
    FileNotFoundError
        If a directory has no file for ``split`` or a path-like source does not
        exist.
    ImportError
        If ``source`` is a Hub id and ``datasets`` is not installed.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}. Valid splits are {SPLITS}.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        raise TypeError(f"limit must be an int or None, got {limit!r}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")

    path = Path(source)
    if path.is_dir():
        rows, locations = _read_file(_split_file(path, split), split)
    elif path.is_file():
        rows, locations = _read_file(path, split)
    elif isinstance(source, str) and _HUB_ID_PATTERN.match(source):
        rows, locations = _read_hub(source, split, limit)
    else:
        raise FileNotFoundError(
            f"data source {str(source)!r} is neither an existing file or directory "
            "nor a Hub dataset id like 'tatsu-lab/alpaca_farm'"
        )

    if limit is not None:
        rows, locations = rows[:limit], locations[:limit]
    for row, location in zip(rows, locations):
        _validate_row(row, location)
    logger.info("Loaded %d %s rows from %s", len(rows), split, source)
    return [dict(row) for row in rows]


def load_splits(
    source: str | Path = DEFAULT_DATA_DIR,
    splits: tuple[str, ...] = SPLITS,
    *,
    limit: int | None = None,
) -> dict[str, list[dict]]:
    """Load several splits with :func:`load_split` and check that they are disjoint."""
    loaded = {split: load_split(source, split, limit=limit) for split in splits}
    check_disjoint(loaded)
    return loaded


def check_disjoint(splits: dict[str, list[dict]]) -> None:
    """Raise ValueError if a prompt (instruction plus input) is in two splits.

    Repeats inside one split are allowed. Prompts are compared as
    :func:`prompt_text` renders them.
    """
    first_split: dict[str, str] = {}
    for name, rows in splits.items():
        for row in rows:
            text = prompt_text(row)
            seen_in = first_split.setdefault(text, name)
            if seen_in != name:
                raise ValueError(
                    f"prompt {_preview(text)!r} is in both split {seen_in!r} and "
                    f"split {name!r}. Remove it from one of them."
                )


def prompt_text(row: dict) -> str:
    """Join instruction and input as a person reads them.

    The result is the instruction, then a blank line and the input if the input is
    not empty. Both parts are stripped of surrounding whitespace.
    """
    instruction = row["instruction"].strip()
    extra = row["input"].strip()
    if not extra:
        return instruction
    return f"{instruction}\n\n{extra}"


def format_prompt(row: dict) -> str:
    """Return the prompt of ``row`` wrapped in the OpenAssistant markers."""
    return PROMPTER + prompt_text(row) + END_OF_TEXT + ASSISTANT


def format_response(text: str) -> str:
    """Return ``text`` followed by the end-of-text marker."""
    return text + END_OF_TEXT


def sft_example(row: dict) -> dict[str, str]:
    """Format a row with a reference output as an SFT ``prompt``/``response`` pair."""
    if not row["output"].strip():
        raise ValueError(
            f"row {_preview(prompt_text(row))!r} has an empty output, but SFT needs "
            "a reference answer. Drop rows without one."
        )
    return {"prompt": format_prompt(row), "response": format_response(row["output"])}


def _split_file(directory: Path, split: str) -> Path:
    candidates = [directory / f"{split}.jsonl", directory / f"{split}.json"]
    found = [p for p in candidates if p.is_file()]
    if len(found) == 2:
        raise ValueError(
            f"{directory} contains both {split}.jsonl and {split}.json. "
            "Keep only one of them."
        )
    if not found:
        present = sorted(p.name for p in directory.iterdir())
        raise FileNotFoundError(
            f"{directory} has no {split}.jsonl or {split}.json (it contains "
            f"{present}). Run data/make_instructions.py or pass another source."
        )
    return found[0]


def _read_file(path: Path, split: str) -> tuple[list, list[str]]:
    """Read rows from a JSON or JSONL file, with a location string for each row."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows, locations = [], []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(
                    f"{path}:{line_number}: invalid JSON ({error.msg}). Each line "
                    "must be one JSON object."
                ) from error
            locations.append(f"{path}:{line_number}")
        return rows, locations

    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path}: invalid JSON at line {error.lineno} ({error.msg})"
        ) from error
    prefix = str(path)
    if isinstance(content, dict):
        if split not in content:
            raise ValueError(
                f"{path} contains a JSON object without the key {split!r} "
                f"(keys: {sorted(content)}). Add the split or pass a file that "
                "contains a plain list of rows."
            )
        content = content[split]
        prefix = f"{path}[{split!r}]"
    if not isinstance(content, list):
        raise ValueError(  # noqa: TRY004 - invalid file content, not a wrong argument
            f"{prefix} is a {type(content).__name__}, expected a list of rows"
        )
    return content, [f"{prefix}[{i}]" for i in range(len(content))]


def _read_hub(source: str, split: str, limit: int | None) -> tuple[list, list[str]]:
    try:
        import datasets
    except ImportError as error:
        raise ImportError(
            f"{source!r} is not an existing file or directory, so it is read as a "
            "Hugging Face Hub dataset id, which needs the datasets package: "
            "pip install datasets"
        ) from error

    # NOTE: tested only against a stand-in for datasets.load_dataset, not the Hub.
    # Rows whose input or output is None instead of "" are rejected by validation.
    name, _, config = source.partition(":")
    hub_split = split if limit is None else f"{split}[:{limit}]"
    try:
        dataset = datasets.load_dataset(name, config or None, split=hub_split)
    except OSError as error:
        # datasets raises ConnectionError when the Hub is unreachable and
        # FileNotFoundError for an unknown dataset, both subclasses of OSError.
        raise OSError(
            f"loading the Hub dataset {source!r} (split {split!r}) failed: {error}. "
            "Without access to the Hugging Face Hub, pass a local directory of "
            "JSON splits as data_source (see data/README.md)."
        ) from error
    rows = list(dataset)
    return rows, [f"{source} split {split!r} row {i}" for i in range(len(rows))]


def _validate_row(row, location: str) -> None:
    if not isinstance(row, dict):
        raise ValueError(  # noqa: TRY004 - invalid file content, not a wrong argument
            f"{location}: row is a {type(row).__name__}, expected a JSON object "
            f"with the fields {FIELDS}"
        )
    for field in FIELDS:
        if field not in row:
            raise ValueError(
                f"{location}: field {field!r} is missing. Every row needs "
                f'{FIELDS}, with "" for an empty input or output.'
            )
        value = row[field]
        if not isinstance(value, str):
            raise ValueError(  # noqa: TRY004 - invalid file content
                f"{location}: field {field!r} is a {type(value).__name__} "
                f"({_preview(repr(value))}), expected a string"
            )
    if not row["instruction"].strip():
        raise ValueError(
            f"{location}: field 'instruction' is empty. Fill it in or remove the row."
        )


def _preview(text: str) -> str:
    """Shorten ``text`` to a one-line preview for error messages."""
    flat = " ".join(text.split())
    if len(flat) <= _PREVIEW_CHARS:
        return flat
    return flat[: _PREVIEW_CHARS - 3] + "..."
