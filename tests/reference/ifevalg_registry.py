# Copyright 2024 The Google Research Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
#
# Vendored for dsgen's differential tests from allenai/open-instruct, open_instruct/IFEvalG/instructions_registry.py
# at commit e6c3044aa6201c8bfa4573c1b03142af599e730d, trimmed to the "New Constraints!" block of
# FUNCTION_DICT (IFBench's IF-RLVR training constraints, family ifbench_train), unchanged.
# ruff: noqa

"""Registry of the IF-RLVR training instructions (trimmed)."""

from reference import ifevalg_instructions as instructions

_PARAGRAPH = "paragraphs:"

_KEYWORD = "keywords:"

_LETTER = "letters:"

_FORMAT = "detectable_format:"

_PUNCTUATION = "punctuation:"

_NEW = "new:"

_COPY = "copy:"

_FIRSTWORD = "first_word:"

_LASTWORD = "last_word:"

_COUNT = "count:"


FUNCTION_DICT = {
    # New Constraints!
    _COPY + "repeat_phrase": instructions.RepeatPhraseChecker,
    _COPY + "copy": instructions.CopyChecker,
    _NEW + "copy_span_idx": instructions.CopySpanIdxChecker,
    _FORMAT + "sentence_hyphens": instructions.SentenceHyphenChecker,
    _KEYWORD + "no_adjacent_consecutive": instructions.AdjacentLetterChecker,
    _FORMAT + "square_brackets": instructions.SquareBracketChecker,
    _KEYWORD + "word_once": instructions.KeywordFrequencyOnceChecker,
    _KEYWORD + "word_count_different_numbers": instructions.KeywordFrequencyCheckerDifferent,
    _KEYWORD + "exclude_word_harder": instructions.ExcludeWordHarderChecker,
    _PARAGRAPH + "paragraphs": instructions.ParagraphBasicChecker,
    _PARAGRAPH + "paragraphs2": instructions.ParagraphBasicChecker2,
    _FIRSTWORD + "first_word_sent": instructions.FirstWordSentChecker,
    _FIRSTWORD + "first_word_answer": instructions.FirstWordAnswerChecker,
    _LASTWORD + "last_word_sent": instructions.LastWordSentChecker,
    _LASTWORD + "last_word_answer": instructions.LastWordAnswerChecker,
    _FORMAT + "bigram_wrapping": instructions.BiGramWrappingChecker,
    _COPY + "copying_simple": instructions.CopyingSimpleChecker,
    _COPY + "copying_multiple": instructions.CopyingMultipleChecker,
    _PUNCTUATION + "punctuation_dot": instructions.PunctuationDotChecker,
    _PUNCTUATION + "punctuation_exclamation": instructions.PunctuationExclamationChecker,
    _COUNT + "lowercase_counting": instructions.LowercaseCountingChecker,
    _LETTER + "letter_counting": instructions.LetterCountingChecker,
    _LETTER + "letter_counting2": instructions.LetterFrequencyChecker,
    _COUNT + "counting_composition": instructions.CountingCompositionChecker,
    _COUNT + "count_unique": instructions.CountUniqueChecker,
    _COUNT + "count_increment_word": instructions.CountIncrementWordChecker,
    _KEYWORD + "palindrome": instructions.PalindromeBasicChecker,
    _KEYWORD + "keyword_specific_position": instructions.KeywordSpecificPositionChecker,
    _KEYWORD + "start_end": instructions.StartEndChecker,
}
