"""Short readable default run names: ``brisk-river-12``."""

from __future__ import annotations

import secrets

_ADJECTIVES = (
    "amber bold brisk calm clever cosmic crisp dapper eager fancy fluent gentle "
    "golden happy hardy honest jolly keen lively lucid mellow merry misty noble "
    "polar proud quiet rapid royal rustic silent smooth snowy solar spry stellar "
    "sunny swift tidy vivid warm wild witty young zesty"
).split()
_NOUNS = (
    "aurora bird breeze brook canyon cloud comet dawn delta dew dune ember field "
    "fire forest frost galaxy glade grove harbor haze hill lake leaf meadow moon "
    "mountain night ocean pine planet pond rain reef river sea shadow sky snow "
    "star stone sun thunder tree valley wave wind"
).split()


def generate_name() -> str:
    return (
        f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-"
        f"{secrets.randbelow(99) + 1}"
    )
