"""Speech engines: the ``Engine`` protocol (``podcast.engines.base``) and the registry.

A new engine is one module with a class following ``Engine`` plus one ``register`` line (here
for the built-ins, anywhere for others). Nothing outside this package branches on an engine's
name: voice configs, synthesis, ``doctor`` and ``voices`` ask the registry.
"""

from __future__ import annotations

from podcast.engines.base import (
    Engine,
    EngineUnavailable,
    EngineVoice,
    Extra,
    Finding,
    PrepareContext,
    SettingError,
    SettingProblem,
)
from podcast.errors import ConfigError, did_you_mean

_ENGINES: dict[str, Engine] = {}


def register(engine: Engine) -> Engine:
    """Make ``engine`` usable as ``engine = "<its name>"`` in a voice file."""
    _ENGINES[engine.name] = engine
    return engine


def unregister(name: str) -> None:
    """Forget the engine called ``name`` (tests that register their own engine)."""
    _ENGINES.pop(name, None)


def get(name: str) -> Engine:
    """The engine called ``name``; a ConfigError with a "did you mean" when there is none."""
    try:
        return _ENGINES[name]
    except KeyError:
        raise ConfigError(
            f"unknown engine '{name}'{did_you_mean(name, names())}; "
            f"use one of: {', '.join(names())}"
        ) from None


def names() -> tuple[str, ...]:
    """Every registered engine's name, the default first."""
    return tuple(_ENGINES)


def all_engines() -> tuple[Engine, ...]:
    return tuple(_ENGINES.values())


def default() -> Engine:
    """The engine of a voice file that names none: the first registered."""
    return next(iter(_ENGINES.values()))


# The built-in engines, registered like any other (the first is the default).
from podcast.engines import espeak, piper, silent  # noqa: E402

register(espeak.EspeakEngine())
register(piper.PiperEngine())
register(silent.SilentEngine())

__all__ = [
    "ConfigError",
    "Engine",
    "EngineUnavailable",
    "EngineVoice",
    "Extra",
    "Finding",
    "PrepareContext",
    "SettingError",
    "SettingProblem",
    "all_engines",
    "default",
    "get",
    "names",
    "register",
    "unregister",
]
