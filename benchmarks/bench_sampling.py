"""Benchmark best-of-n sampling: plain ``model.generate`` against the fast path.

Both draw ``--n`` responses of at most ``--max-new-tokens`` tokens to one formatted
prompt with the same temperature and nucleus settings. The fast path is
:func:`bayesrm_utils.sampling.sample_responses` (one prompt forward pass, a
preallocated KV cache, finished samples leave the batch); the baseline is
:func:`bayesrm_utils.sampling.reference_sample`. The model is loaded in each
dtype, so no timed call casts weights. Runs alternate between the two methods and
the median of ``--repeats`` runs is reported.

A second comparison has the shape of the preference stage, few samples for many
prompts: ``--group-prompts`` prompts of the study's preference split with
``--group-n`` samples each, drawn one prompt at a time with ``sample_responses``
against one :func:`bayesrm_utils.sampling.sample_prompt_batch` call.

Run::

    python benchmarks/bench_sampling.py                  # embedded SmolLM2-135M
    python benchmarks/bench_sampling.py --model random   # SmolLM2 shape, random weights
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from bayesrm_utils import data
from bayesrm_utils.config import load_config, native_bfloat16
from bayesrm_utils.sampling import (
    reference_sample,
    sample_prompt_batch,
    sample_responses,
)
from bayesrm_utils.stages import check_inputs

INSTRUCTION = "Give three tips for staying healthy while working from home."
PROMPTS = {
    # The prompt format of the study. SmolLM2-Instruct was not trained on it and
    # rarely stops within 64 tokens before SFT.
    "paper": f"<|prompter|>{INSTRUCTION}<|endoftext|><|assistant|>",
    # SmolLM2-Instruct's chat format, in which it ends a response with its EOS
    # token, so some samples finish early (4 of 32 within 64 tokens in one run).
    "chat": f"<|im_start|>user\n{INSTRUCTION}<|im_end|>\n<|im_start|>assistant\n",
}
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def smollm2_135m_config() -> LlamaConfig:
    """Return the architecture of SmolLM2-135M (30 layers, hidden 576, GQA 9/3)."""
    return LlamaConfig(
        vocab_size=49152,
        hidden_size=576,
        intermediate_size=1536,
        num_hidden_layers=30,
        num_attention_heads=9,
        num_key_value_heads=3,
        max_position_embeddings=8192,
        rope_theta=100000.0,
        rms_norm_eps=1e-5,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
    )


def load_model(source: str, dtype: torch.dtype):
    """Load the embedded SmolLM2, or build a random model of its shape."""
    from bayesrm_utils.loading import load_causal_lm

    model, tokenizer = load_causal_lm("embedded:smollm2-135m-instruct", dtype=dtype)
    if source == "random":
        # The real tokenizer keeps the prompt length and stop tokens realistic.
        torch.manual_seed(0)
        model = LlamaForCausalLM(smollm2_135m_config()).to(dtype).eval()
    elif source != "embedded":
        model, tokenizer = load_causal_lm(source, dtype=dtype)
    return model, tokenizer


def time_call(function, model, tokenizer, args) -> tuple[float, list]:
    start = time.perf_counter()
    samples = function(
        model,
        tokenizer,
        PROMPTS[args.prompt_format],
        args.n,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_p=args.top_p,
        seed=0,
        batch_size=args.n,
        return_metadata=True,
    )
    return time.perf_counter() - start, samples


def time_prompt_groups(model, tokenizer, args) -> dict[str, float]:
    """Time ``--group-prompts`` prompts x ``--group-n`` samples, both layouts."""
    rows = check_inputs(load_config("cpu"))["preference"][: args.group_prompts]
    prompts = [data.format_prompt(row) for row in rows]
    seeds = list(range(len(prompts)))
    settings = {
        "max_new_tokens": args.max_new_tokens,
        "temperature": args.temperature,
        "top_p": args.top_p,
    }

    def one_at_a_time():
        for prompt, seed in zip(prompts, seeds):
            sample_responses(
                model, tokenizer, prompt, args.group_n, seed=seed, **settings
            )

    def grouped():
        sample_prompt_batch(
            model, tokenizer, prompts, args.group_n, seeds=seeds, **settings
        )

    times = {"one prompt per batch": [], "prompts grouped": []}
    for _ in range(args.repeats):
        for name, function in zip(times, (one_at_a_time, grouped)):
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        default="embedded",
        help="'embedded' (SmolLM2-135M-Instruct), 'random' (its shape, random "
        "weights) or a local model directory",
    )
    parser.add_argument("--n", type=int, default=32, help="samples per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per method")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument(
        "--prompt-format",
        default="paper",
        choices=PROMPTS,
        help="'paper' (<|prompter|>...<|assistant|>) or 'chat' (SmolLM2 chat format)",
    )
    parser.add_argument(
        "--dtypes",
        nargs="+",
        default=["fp32", "bf16"] if native_bfloat16() else ["fp32"],
        choices=DTYPES,
        help="default: fp32, and bf16 where the CPU has it natively",
    )
    parser.add_argument(
        "--group-prompts",
        type=int,
        default=16,
        help="prompts of the grouped comparison (0 skips it)",
    )
    parser.add_argument(
        "--group-n", type=int, default=2, help="samples per prompt when grouped"
    )
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    methods = {"generate": reference_sample, "fast": sample_responses}
    results = {}

    for dtype_name in args.dtypes:
        model, tokenizer = load_model(args.model, DTYPES[dtype_name])
        prompt = PROMPTS[args.prompt_format]
        prompt_tokens = len(tokenizer(prompt)["input_ids"])
        times = {name: [] for name in methods}
        samples = {}

        # One short untimed call per method loads kernels and allocators.
        for function in methods.values():
            function(model, tokenizer, prompt, 2, max_new_tokens=2, seed=0)

        for _ in range(args.repeats):
            for name, function in methods.items():
                elapsed, samples[name] = time_call(function, model, tokenizer, args)
                times[name].append(elapsed)

        for name in methods:
            median = statistics.median(times[name])
            results[dtype_name, name] = median
            n_tokens = sum(s.n_tokens for s in samples[name])
            n_finished = sum(s.finished for s in samples[name])
            print(
                f"{dtype_name:5s} {name:9s} {args.n / median:6.2f} responses/s  "
                f"median {median:6.2f} s of {[round(t, 2) for t in times[name]]}  "
                f"tokens {n_tokens}  finished {n_finished}/{args.n}",
                flush=True,
            )
        print(
            f"{dtype_name:5s} speed-up fast/generate "
            f"{results[dtype_name, 'generate'] / results[dtype_name, 'fast']:.2f}x  "
            f"(prompt {prompt_tokens} tokens)",
            flush=True,
        )

        if args.group_prompts > 0:
            grouped = time_prompt_groups(model, tokenizer, args)
            responses = args.group_prompts * args.group_n
            for name, seconds in grouped.items():
                print(
                    f"{dtype_name:5s} {name:20s} {responses / seconds:6.2f} "
                    f"responses/s  median {seconds:6.2f} s",
                    flush=True,
                )
            ratio = grouped["one prompt per batch"] / grouped["prompts grouped"]
            print(
                f"{dtype_name:5s} speed-up grouped/one prompt per batch {ratio:.2f}x "
                f"({args.group_prompts} prompts x {args.group_n} samples)",
                flush=True,
            )

    if ("fp32", "generate") in results and ("bf16", "fast") in results:
        ratio = results["fp32", "generate"] / results["bf16", "fast"]
        print(f"bf16 fast / fp32 generate {ratio:.2f}x")

    print(
        f"settings: n={args.n} max_new_tokens={args.max_new_tokens} "
        f"temperature={args.temperature} top_p={args.top_p} threads={args.threads} "
        f"model={args.model} prompt_format={args.prompt_format}"
    )


if __name__ == "__main__":
    main()
