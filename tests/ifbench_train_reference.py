"""IFBench's IF-RLVR training checkers (allenai/open-instruct's IFEvalG, vendored in ``reference/``),
runnable offline, as the reference for dsgen's ``ifbench_train`` checks.

``word_tokenize`` needs NLTK's punkt data, which cannot be downloaded here: NLTK's punkt tokenizer gets
punkt's English parameters (as in ``ifeval_reference``), so upstream's calls run NLTK's own code.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def registry() -> dict:
    import nltk.tokenize
    from ifeval_reference import nltk_punkt
    from reference import ifevalg_registry

    tokenizer = nltk_punkt()
    nltk.tokenize._get_punkt_tokenizer = lambda language="english": tokenizer
    return ifevalg_registry.FUNCTION_DICT


def reference_check(response: str, iid: str, kwargs: dict) -> bool | None:
    """Upstream's strict verdict for one instruction (an empty response fails, as in IFEval's strict
    mode), or None when its checker raises."""
    instruction = registry()[iid](iid)
    instruction.build_description(**{k: v for k, v in kwargs.items() if v is not None})
    try:
        return bool(response.strip()) and bool(instruction.check_following(response))
    except Exception:  # upstream crashes (IndexError on an empty last word) are a verdict of their own
        return None
