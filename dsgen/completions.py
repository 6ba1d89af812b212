"""What part of a completion is graded, the same for every verifier and every framework's adapter.

A completion is a string, one message, or chat messages. Only the last assistant message is graded
(never a tool or user message); content given as parts is joined; and of that text only what follows
the last reasoning delimiter (``</think>`` by default, as TRL's reasoning rewards). A reasoning block
that opens and never closes leaves nothing to grade, so an answer that appears only inside it earns 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Where a reasoning block ends (TRL's default for its reasoning rewards); the answer follows the last one.
REASONING_DELIMITERS: tuple[str, ...] = ("</think>",)


def content_text(content: Any) -> str:
    """A message's content as text: a string, or a list of parts whose text parts are joined by newlines.

    Parts are ``{"type": "text", "text": ...}`` (OpenAI's and Hugging Face's chat format) or strings;
    image, audio and other parts carry no text to grade.
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return content_text([content])
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type", "text") == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
    return "\n".join(texts)


def _is_answer(message: Any) -> bool:
    """Whether a message is the model's own turn (role ``assistant``, or no role: a bare completion)."""
    return isinstance(message, dict) and message.get("role", "assistant") == "assistant"


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, one message, or chat messages (the last assistant turn's content).

    Only the last assistant message counts, so a tool result or a user turn that follows or precedes it is
    never graded as the model's answer (an empty assistant turn followed by a tool's ``#### 560`` is empty).
    """
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return content_text(completion.get("content")) if _is_answer(completion) else ""
    if isinstance(completion, Iterable):
        answers = [m for m in completion if _is_answer(m)]
        return content_text(answers[-1].get("content")) if answers else ""
    raise TypeError(f"a completion is a string or chat messages, not {type(completion).__name__}")


def _opener(closer: str) -> str | None:
    """The delimiter that opens the block ``closer`` ends (``</think>`` -> ``<think>``), or None."""
    return closer.replace("/", "", 1) if "/" in closer else None


def final_answer(text: str, reasoning_delimiters: Iterable[str] = REASONING_DELIMITERS) -> str:
    """The text after the last reasoning delimiter; empty when a reasoning block opens and never closes.

    A text with no delimiter at all is graded whole (a model that does not reason aloud). The opening
    delimiter of ``</x>`` or ``[/X]`` is the same with the first ``/`` removed; after the last closing
    delimiter an opening one means a second block that never ended, so nothing is graded either.
    """
    if isinstance(reasoning_delimiters, str):
        reasoning_delimiters = (reasoning_delimiters,)
    delimiters = [d for d in reasoning_delimiters if d]
    end = 0
    for closer in delimiters:
        at = text.rfind(closer)
        if at >= 0:
            end = max(end, at + len(closer))
    answer = text[end:]
    for closer in delimiters:
        opener = _opener(closer)
        if opener and opener in answer:
            return ""
    return answer


def graded_text(completion: Any, reasoning_delimiters: Iterable[str] = REASONING_DELIMITERS) -> str:
    """The part of a completion every verifier grades: the last assistant turn, after its reasoning."""
    return final_answer(completion_text(completion), reasoning_delimiters)
