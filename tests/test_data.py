"""Tests for the instruction loaders, the prompt format and the committed data set."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import types
from collections import defaultdict
from pathlib import Path

import pytest

from bayesrm_utils import data
from bayesrm_utils.data import (
    ASSISTANT,
    DEFAULT_DATA_DIR,
    END_OF_TEXT,
    PROMPTER,
    SPLITS,
    check_disjoint,
    format_prompt,
    format_response,
    load_split,
    load_splits,
    prompt_text,
    sft_example,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
GENERATOR = REPO_ROOT / "data" / "make_instructions.py"
MIN_ROWS = {"sft": 200, "preference": 600, "val": 100}
TASK_TYPES = {
    "open_question",
    "brainstorming",
    "classification",
    "rewriting",
    "summarizing",
    "code",
    "arithmetic",
    "advice",
    "creative_writing",
}


def _row(instruction="Name a color.", input="", output="Blue.", **extra) -> dict:
    return {"instruction": instruction, "input": input, "output": output, **extra}


def _write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def generator():
    """Import data/make_instructions.py, which is a script and not a package."""
    spec = importlib.util.spec_from_file_location("make_instructions", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    # dataclasses looks the module up in sys.modules while it builds Example.
    sys.modules["make_instructions"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["make_instructions"]


@pytest.fixture(scope="module")
def committed() -> dict[str, list[dict]]:
    return load_splits(DEFAULT_DATA_DIR)


@pytest.fixture(scope="module")
def examples(generator):
    return generator.build_examples()


# --------------------------------------------------------------------------------------
# Prompt format
# --------------------------------------------------------------------------------------


def test_markers_exact():
    assert PROMPTER == "<|prompter|>"
    assert ASSISTANT == "<|assistant|>"
    assert END_OF_TEXT == "<|endoftext|>"


def test_prompt_text_without_input():
    assert prompt_text(_row("  Name a color. ", "")) == "Name a color."
    assert prompt_text(_row("Name a color.", "  \n ")) == "Name a color."


def test_prompt_text_with_input():
    row = _row("Summarize this text.", "\nCats sleep a lot.\n")
    assert prompt_text(row) == "Summarize this text.\n\nCats sleep a lot."


def test_format_prompt_exact_string():
    row = _row("Sort these words.", "pear, fig")
    expected = "<|prompter|>Sort these words.\n\npear, fig<|endoftext|><|assistant|>"
    assert format_prompt(row) == expected
    assert format_prompt(_row("Hi")) == "<|prompter|>Hi<|endoftext|><|assistant|>"


def test_format_response_exact_string():
    assert format_response("fig, pear") == "fig, pear<|endoftext|>"
    assert format_response("") == "<|endoftext|>"


def test_sft_example_pairs_prompt_and_response():
    example = sft_example(_row("Name a color.", "", "Blue."))
    assert example == {
        "prompt": "<|prompter|>Name a color.<|endoftext|><|assistant|>",
        "response": "Blue.<|endoftext|>",
    }


def test_sft_example_rejects_empty_output():
    with pytest.raises(ValueError, match="empty output"):
        sft_example(_row(output="  "))


# --------------------------------------------------------------------------------------
# Sources: directory, JSONL, JSON
# --------------------------------------------------------------------------------------


def test_directory_with_jsonl(tmp_path):
    _write_jsonl(tmp_path / "sft.jsonl", [_row("a"), _row("b")])
    rows = load_split(tmp_path, "sft")
    assert [r["instruction"] for r in rows] == ["a", "b"]


def test_directory_with_json_list(tmp_path):
    (tmp_path / "val.json").write_text(json.dumps([_row("a")]), encoding="utf-8")
    assert load_split(str(tmp_path), "val") == [_row("a")]


def test_directory_with_json_object(tmp_path):
    content = {"val": [_row("a")], "sft": [_row("b")]}
    (tmp_path / "val.json").write_text(json.dumps(content), encoding="utf-8")
    assert load_split(tmp_path, "val") == [_row("a")]


def test_directory_with_both_formats(tmp_path):
    _write_jsonl(tmp_path / "sft.jsonl", [_row()])
    (tmp_path / "sft.json").write_text(json.dumps([_row()]), encoding="utf-8")
    with pytest.raises(ValueError, match="both sft.jsonl and sft.json"):
        load_split(tmp_path, "sft")


def test_directory_without_split_file(tmp_path):
    _write_jsonl(tmp_path / "sft.jsonl", [_row()])
    with pytest.raises(FileNotFoundError, match=r"no val\.jsonl or val\.json"):
        load_split(tmp_path, "val")


def test_jsonl_file_taken_whole(tmp_path):
    path = _write_jsonl(tmp_path / "anything.jsonl", [_row("a"), _row("b")])
    assert len(load_split(path, "sft")) == 2
    assert len(load_split(path, "val")) == 2


def test_jsonl_skips_blank_lines(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(_row("a")) + "\n\n" + json.dumps(_row("b")) + "\n")
    assert [r["instruction"] for r in load_split(path, "sft")] == ["a", "b"]


def test_json_list_file_taken_whole(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([_row("a"), _row("b")]), encoding="utf-8")
    assert len(load_split(path, "preference")) == 2


def test_json_object_file_selects_split(tmp_path):
    path = tmp_path / "all.json"
    content = {split: [_row(f"{split} prompt")] for split in SPLITS}
    path.write_text(json.dumps(content), encoding="utf-8")
    for split in SPLITS:
        assert load_split(path, split) == [_row(f"{split} prompt")]


def test_json_object_without_split_key(tmp_path):
    path = tmp_path / "all.json"
    path.write_text(json.dumps({"train": [_row()]}), encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"without the key 'sft' \(keys: \['train'\]\)"
    ):
        load_split(path, "sft")


def test_json_object_value_not_list(tmp_path):
    path = tmp_path / "all.json"
    path.write_text(json.dumps({"sft": {"instruction": "x"}}), encoding="utf-8")
    with pytest.raises(ValueError, match="is a dict, expected a list of rows"):
        load_split(path, "sft")


def test_extra_fields_kept(tmp_path):
    path = _write_jsonl(tmp_path / "rows.jsonl", [_row(preference=2)])
    assert load_split(path, "sft")[0]["preference"] == 2


def test_limit_keeps_first_rows(tmp_path):
    path = _write_jsonl(tmp_path / "rows.jsonl", [_row(str(i)) for i in range(5)])
    assert [r["instruction"] for r in load_split(path, "sft", limit=2)] == ["0", "1"]
    assert load_split(path, "sft", limit=0) == []


def test_limit_skips_validation_of_later_rows(tmp_path):
    path = _write_jsonl(tmp_path / "rows.jsonl", [_row("a"), {"instruction": "b"}])
    assert len(load_split(path, "sft", limit=1)) == 1
    with pytest.raises(ValueError, match="'input' is missing"):
        load_split(path, "sft")


def test_negative_limit(tmp_path):
    path = _write_jsonl(tmp_path / "rows.jsonl", [_row()])
    with pytest.raises(ValueError, match="limit must be >= 0, got -1"):
        load_split(path, "sft", limit=-1)


@pytest.mark.parametrize("limit", [1.5, True, "3"])
def test_limit_wrong_type(tmp_path, limit):
    path = _write_jsonl(tmp_path / "rows.jsonl", [_row()])
    with pytest.raises(TypeError, match="limit must be an int or None"):
        load_split(path, "sft", limit=limit)


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither an existing file"):
        load_split(tmp_path / "missing" / "rows.jsonl", "sft")


# --------------------------------------------------------------------------------------
# Validation errors
# --------------------------------------------------------------------------------------


def test_unknown_split_lists_valid_ones(tmp_path):
    _write_jsonl(tmp_path / "train.jsonl", [_row()])
    with pytest.raises(ValueError, match="unknown split 'train'") as error:
        load_split(tmp_path, "train")
    for split in SPLITS:
        assert split in str(error.value)


@pytest.mark.parametrize("field", ["instruction", "input", "output"])
def test_missing_field_names_file_and_line(tmp_path, field):
    bad = _row()
    del bad[field]
    path = _write_jsonl(tmp_path / "sft.jsonl", [_row(), bad])
    with pytest.raises(ValueError) as error:
        load_split(path, "sft")
    message = str(error.value)
    assert f"{path}:2" in message
    assert f"field {field!r} is missing" in message


@pytest.mark.parametrize("value", [None, 3, ["a"]])
def test_wrong_type_names_field(tmp_path, value):
    path = _write_jsonl(tmp_path / "sft.jsonl", [_row(input=value)])
    with pytest.raises(ValueError) as error:
        load_split(path, "sft")
    message = str(error.value)
    assert f"{path}:1" in message
    assert "field 'input' is a" in message
    assert "expected a string" in message


@pytest.mark.parametrize("instruction", ["", "   ", "\n\t"])
def test_empty_instruction(tmp_path, instruction):
    path = _write_jsonl(tmp_path / "sft.jsonl", [_row(instruction)])
    with pytest.raises(ValueError, match=r"sft\.jsonl:1: field 'instruction' is empty"):
        load_split(path, "sft")


def test_json_row_location_uses_index(tmp_path):
    path = tmp_path / "all.json"
    content = {"val": [_row(), _row(output=7)]}
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(
        ValueError, match=re.escape(f"{path}['val'][1]: field 'output'")
    ):
        load_split(path, "val")


def test_row_not_object(tmp_path):
    path = _write_jsonl(tmp_path / "sft.jsonl", [["Name a color.", "", "Blue."]])
    with pytest.raises(ValueError, match="row is a list, expected a JSON object"):
        load_split(path, "sft")


def test_invalid_json_line(tmp_path):
    path = tmp_path / "sft.jsonl"
    path.write_text(json.dumps(_row()) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"sft\.jsonl:2: invalid JSON"):
        load_split(path, "sft")


def test_disjoint_splits_pass():
    check_disjoint({"sft": [_row("a"), _row("a")], "val": [_row("b")]})


def test_duplicate_across_splits_names_both():
    long_instruction = "Describe " + "a very long prompt " * 10
    splits = {
        "sft": [_row("a"), _row(long_instruction)],
        "preference": [_row("b")],
        "val": [_row(long_instruction)],
    }
    with pytest.raises(ValueError) as error:
        check_disjoint(splits)
    message = str(error.value)
    assert "split 'sft'" in message
    assert "split 'val'" in message
    assert "Describe a very long prompt" in message
    assert "..." in message
    assert long_instruction.strip() not in message


def test_duplicate_compares_instruction_and_input():
    same_instruction = {
        "sft": [_row("Fix this.", "a")],
        "val": [_row("Fix this.", "b")],
    }
    check_disjoint(same_instruction)
    with pytest.raises(ValueError, match="in both split"):
        check_disjoint(
            {"sft": [_row("Fix this.", "a")], "val": [_row("Fix this.", " a")]}
        )


def test_load_splits_rejects_overlap(tmp_path):
    _write_jsonl(tmp_path / "sft.jsonl", [_row("shared")])
    _write_jsonl(tmp_path / "val.jsonl", [_row("shared")])
    with pytest.raises(ValueError, match="'sft' and split 'val'"):
        load_splits(tmp_path, ("sft", "val"))


# --------------------------------------------------------------------------------------
# Hub source
# --------------------------------------------------------------------------------------


def test_hub_without_datasets(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(ImportError, match="pip install datasets"):
        load_split("tatsu-lab/alpaca_farm", "sft")


def test_hub_passes_config_and_split(monkeypatch):
    calls = []

    def load_dataset(name, config, split):
        calls.append((name, config, split))
        return [_row("from the hub")]

    fake = types.ModuleType("datasets")
    fake.load_dataset = load_dataset
    monkeypatch.setitem(sys.modules, "datasets", fake)

    rows = load_split("tatsu-lab/alpaca_farm:alpaca_instructions", "val", limit=5)
    assert rows == [_row("from the hub")]
    assert calls == [("tatsu-lab/alpaca_farm", "alpaca_instructions", "val[:5]")]

    load_split("tatsu-lab/alpaca_farm", "sft")
    assert calls[-1] == ("tatsu-lab/alpaca_farm", None, "sft")


def test_unreachable_hub_names_source(monkeypatch):
    def load_dataset(name, config, split):
        raise ConnectionError("Couldn't reach 'owner/name' on the Hub")

    fake = types.ModuleType("datasets")
    fake.load_dataset = load_dataset
    monkeypatch.setitem(sys.modules, "datasets", fake)
    with pytest.raises(OSError, match="Hub dataset 'owner/name' .split 'sft'. failed"):
        load_split("owner/name", "sft")
    with pytest.raises(OSError, match="pass a local directory of JSON splits"):
        load_split("owner/name", "sft")


def test_hub_rows_are_validated(monkeypatch):
    fake = types.ModuleType("datasets")
    fake.load_dataset = lambda name, config, split: [_row(input=None)]
    monkeypatch.setitem(sys.modules, "datasets", fake)
    with pytest.raises(ValueError, match="owner/name split 'sft' row 0: field 'input'"):
        load_split("owner/name", "sft")


# --------------------------------------------------------------------------------------
# Committed data set
# --------------------------------------------------------------------------------------


def test_default_dir_has_all_splits():
    assert DEFAULT_DATA_DIR == REPO_ROOT / "data" / "instructions"
    for split in SPLITS:
        assert (DEFAULT_DATA_DIR / f"{split}.jsonl").is_file()


def test_committed_counts(committed):
    for split, minimum in MIN_ROWS.items():
        assert len(committed[split]) >= minimum, split
    assert len(committed["unlabeled"]) >= 1


def test_committed_schema_exact(committed):
    for rows in committed.values():
        for row in rows:
            assert set(row) == {"instruction", "input", "output"}


def test_committed_reference_outputs(committed):
    with_output = [r for r in committed["sft"] if r["output"].strip()]
    assert len(with_output) >= 200
    assert len([r for r in committed["preference"] if r["output"].strip()]) >= 600


def test_committed_distinct_prompts(committed):
    rows = [row for split_rows in committed.values() for row in split_rows]
    prompts = {prompt_text(row) for row in rows}
    instructions = {row["instruction"] for row in rows}
    assert len(prompts) == len(rows)
    assert len(prompts) >= 1000
    assert len(instructions) >= 1000


def test_committed_lengths(committed):
    for rows in committed.values():
        for row in rows:
            assert len(row["instruction"].split()) <= 40, row["instruction"]
            assert len(row["output"].split()) <= 60, row["output"]


def test_generator_reproduces_committed_files(tmp_path):
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for split in SPLITS:
        generated = (tmp_path / f"{split}.jsonl").read_bytes()
        committed_bytes = (DEFAULT_DATA_DIR / f"{split}.jsonl").read_bytes()
        assert generated == committed_bytes, (
            f"{split}.jsonl differs; rerun the generator"
        )


def test_task_types_in_every_split(generator, examples, committed):
    task_of = {(e.instruction, e.input): e.task for e in examples}
    tasks_by_split = defaultdict(set)
    for split, rows in committed.items():
        for row in rows:
            tasks_by_split[split].add(task_of[(row["instruction"], row["input"])])

    all_tasks = {e.task for e in examples}
    assert TASK_TYPES <= all_tasks
    for split in SPLITS:
        assert tasks_by_split[split] == all_tasks, split


def test_generator_split_sizes(generator, examples):
    splits = generator.assign_splits(examples)
    assert {name: len(rows) for name, rows in splits.items()} == generator.SPLIT_SIZES


def test_code_answers_pass_checks(examples):
    code = [e for e in examples if e.task == "code"]
    assert len(code) >= 50
    for example in code:
        assert example.check, example.instruction
        namespace = {"answer": example.output}
        if not example.output.startswith("SELECT"):
            exec(example.output, namespace)  # noqa: S102 - generator's own code
        exec(example.check, namespace)  # noqa: S102 - generator's own checks


def _evaluate(expression: str) -> float:
    """Evaluate an arithmetic expression written with ×, ÷ and thousands commas."""
    expression = re.sub(r"(?<=\d),(?=\d{3})", "", expression)
    expression = expression.replace("×", "*").replace("÷", "/").strip(" ,.")
    assert re.fullmatch(r"[\d.+\-*/() ]+", expression), expression
    return eval(expression, {"__builtins__": {}})


def test_equations_in_outputs_hold(examples):
    chain = re.compile(r"[-(\d][\d.,()+\-×÷/ ]*(?:=[\d.,()+\-×÷/ ]+)+")
    checked = 0
    for example in examples:
        for match in chain.finditer(example.output):
            values = [_evaluate(part) for part in match.group().split("=")]
            for value in values[1:]:
                assert value == pytest.approx(values[0]), example.output
            checked += 1
    assert checked >= 250


def test_alphabetical_sorting_outputs(examples):
    sorted_words = 0
    for example in examples:
        if example.output.startswith("In alphabetical order: "):
            words = example.instruction.split(": ", 1)[1].rstrip(".").split(", ")
            answer = example.output.removeprefix("In alphabetical order: ")
            assert answer.rstrip(".").split(", ") == sorted(words)
            sorted_words += 1
    assert sorted_words >= 10


@pytest.mark.slow
def test_token_lengths_fit_smollm2(committed):
    from transformers import AutoTokenizer

    from bayesrm_utils.loading import resolve_source

    location = resolve_source("embedded:smollm2-135m-instruct").location
    tokenizer = AutoTokenizer.from_pretrained(location)
    rows = [row for split_rows in committed.values() for row in split_rows]
    prompts = tokenizer([format_prompt(row) for row in rows])["input_ids"]
    responses = tokenizer(
        [format_response(row["output"]) for row in rows], add_special_tokens=False
    )["input_ids"]

    for row, prompt, response in zip(rows, prompts, responses):
        assert len(prompt) + len(response) <= 256, prompt_text(row)
    short = sum(len(response) <= 64 for response in responses)
    assert short / len(responses) >= 0.95


def test_module_exports():
    assert data.SPLITS == ("sft", "preference", "unlabeled", "val")
    assert data.FIELDS == ("instruction", "input", "output")
