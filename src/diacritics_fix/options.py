"""The one options object of diacritics-fix."""

from __future__ import annotations

import os
from numbers import Real
from typing import Iterable, NamedTuple

from .model import Weights

STYLE_CHOICES = ("keep", "hòa", "hoà")
MODE_CHOICES = ("auto", "clean", "stripped", "ocr")


class Options(NamedTuple):
    """How to restore.  Every field has a sound default; pass only what you change.

    >>> Options().style, Options(style="hoà").style
    ('keep', 'hoà')
    """

    #: Tone placement of the output: ``"keep"`` leaves words that already carry
    #: marks as written and gives restored words the placement the document
    #: already uses most (``hòa`` when it shows none); ``"hòa"`` puts the mark
    #: on the first vowel of open oa/oe/uy (hòa, thủy, khỏe) everywhere;
    #: ``"hoà"`` on the second (hoà, thuỷ, khoẻ) everywhere.
    style: str = "keep"

    #: ``"auto"`` decides per paragraph whether it is correct, stripped of its
    #: marks, or OCR output; ``"stripped"`` treats every unmarked word as
    #: stripped; ``"clean"`` only fills in words whose unmarked spelling is not
    #: a Vietnamese word; ``"ocr"`` reads every word through the OCR channel.
    mode: str = "auto"

    #: Extra domain phrases (any tone placement), one phrase per string.
    phrases: tuple[str, ...] = ()

    #: A user's lexicon, one word per string: words of several syllables act
    #: as phrases; every syllable joins the vocabulary (a rare one is made
    #: likely enough to be weighed, and chosen when its context allows).
    lexicon: tuple[str, ...] = ()

    #: User models: folders written by ``diacritics-fix learn`` from the
    #: user's own text, interpolated with the shipped model.
    models: tuple[str, ...] = ()

    #: Weight λ of the user models against the shipped model (0 ≤ λ < 1): the
    #: unigram mixture is ``λ · P_user + (1 - λ) · P_shipped`` and the user's
    #: pair counts join the shipped ones times ``λ / (1 - λ)``.
    model_weight: float = 0.9

    #: At most this many readings per word are weighed by the decoder.
    max_candidates: int = 12

    #: Wrap every word whose reading has a confidence below ``threshold`` in
    #: ``marker`` (its ``…`` stands for the word), so a reviewer sees the doubtful ones.
    mark_uncertain: bool = False
    threshold: float = 0.8
    marker: str = "⟦…⟧"

    #: Weights of the language model (tuned defaults; change for experiments).
    weights: Weights = Weights()

    def validate(self) -> "Options":
        """Raise TypeError on a value of the wrong type, ValueError on one outside its choices; return self.

        >>> Options(max_candidates="3").validate()
        Traceback (most recent call last):
        TypeError: max_candidates must be an integer, not str
        """
        for name, kinds, what in _TYPES:
            value = getattr(self, name)
            if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
                raise TypeError(f"{name} must be {what}, not {type(value).__name__}")
        for name in ("phrases", "lexicon", "models"):
            strings(name, getattr(self, name), paths=name == "models")
        if self.style not in STYLE_CHOICES:
            raise ValueError(f"style must be one of {', '.join(STYLE_CHOICES)}, not {self.style!r}")
        if self.mode not in MODE_CHOICES:
            raise ValueError(f"mode must be one of {', '.join(MODE_CHOICES)}, not {self.mode!r}")
        if not 0.0 <= self.model_weight < 1.0:
            raise ValueError("model_weight must be at least 0 and below 1")
        if self.max_candidates < 1:
            raise ValueError("max_candidates must be at least 1")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        if "…" not in self.marker:
            raise ValueError("marker must contain … where the word goes, as in ⟦…⟧")
        return self


# (field, accepted types, what the message calls them); bool is an int, but never a count.
_TYPES = (
    ("style", (str,), "a string"),
    ("mode", (str,), "a string"),
    ("model_weight", (Real,), "a number"),
    ("max_candidates", (int,), "an integer"),
    ("mark_uncertain", (bool,), "True or False"),
    ("threshold", (Real,), "a number"),
    ("marker", (str,), "a string"),
    ("weights", (Weights,), "a Weights"),
)


def strings(name: str, values: Iterable[str], paths: bool = False) -> tuple[str, ...]:
    """*values* (phrases, words, model folders) as a tuple, each checked: one string is no list of them.

    >>> strings("phrases", ["Hòa Lạc"])
    ('Hòa Lạc',)
    >>> strings("phrases", "Hòa Lạc")
    Traceback (most recent call last):
    ValueError: phrases is a list of strings, not one string: give ('Hòa Lạc',)
    """
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name} is a list of strings, not one string: give ({values!r},)")
    try:
        values = tuple(values)
    except TypeError:
        raise TypeError(f"{name} must be a list of strings, not {type(values).__name__}") from None
    kinds = (str, os.PathLike) if paths else (str,)
    for value in values:
        if not isinstance(value, kinds):
            raise TypeError(f"{name} must hold strings, not {type(value).__name__}")
    return values
