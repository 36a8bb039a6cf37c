"""Brain settings: which brain runs and how Gemini is reached. Built at call time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

BrainMode = Literal["auto", "rules", "gemini"]

# Current stable (GA) Flash model of the Gemini API; override with GEMINI_MODEL.
# "gemini-2.5-flash" remains a safe fallback where 3.x models are not enabled.
DEFAULT_GEMINI_MODEL = "gemini-3.8-flash"


class BrainSettings(BaseModel):
    """How to diagnose. `mode=auto` uses Gemini when a key is set, the analyzers otherwise."""

    mode: BrainMode = "auto"
    gemini_api_key: SecretStr | None = None
    gemini_model: str = DEFAULT_GEMINI_MODEL
    gemini_base_url: str | None = None
    # Total wall-clock budget for one Gemini diagnosis, retries included (seconds).
    gemini_timeout_s: float = Field(default=20.0, gt=0)
    gemini_attempts: int = Field(default=3, ge=1)
    # Cap on the condensed evidence sent to the model (characters).
    max_prompt_chars: int = Field(default=24_000, ge=1_000)
    # Where Gemini answers are cached by fingerprint and the circuit breaker keeps state.
    state_dir: Path | None = None
    # Circuit breaker: after this many consecutive failures, stop calling Gemini for
    # `breaker_cooldown_s` seconds (state shared through `state_dir`).
    breaker_threshold: int = Field(default=3, ge=1)
    breaker_cooldown_s: float = Field(default=300.0, ge=0)
    # Cache valid Gemini answers by fingerprint + model under `state_dir`.
    cache_enabled: bool = True
    cache_ttl_s: float = Field(default=7 * 24 * 3600.0, ge=0)

    @property
    def use_gemini(self) -> bool:
        if self.mode == "rules":
            return False
        if self.mode == "gemini":
            return True
        return self.gemini_api_key is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BrainSettings:
        """Read SENTINEL_BRAIN, GEMINI_API_KEY/GOOGLE_API_KEY, GEMINI_MODEL, GEMINI_BASE_URL.

        Also SENTINEL_STATE_DIR (default $DAGSTER_HOME/sentinel), SENTINEL_GEMINI_TIMEOUT_S,
        SENTINEL_GEMINI_ATTEMPTS, SENTINEL_MAX_PROMPT_CHARS, SENTINEL_BREAKER_THRESHOLD,
        SENTINEL_BREAKER_COOLDOWN_S and SENTINEL_GEMINI_CACHE (0/false disables the cache).
        Raises ValueError on malformed values.
        """
        env = os.environ if env is None else env
        key = env.get("GEMINI_API_KEY") or env.get("GOOGLE_API_KEY") or None
        mode = (env.get("SENTINEL_BRAIN") or "auto").strip().lower()
        if mode not in ("auto", "rules", "gemini"):
            raise ValueError(f"SENTINEL_BRAIN must be auto, rules or gemini, not {mode!r}")
        state = env.get("SENTINEL_STATE_DIR") or (
            str(Path(env["DAGSTER_HOME"]) / "sentinel") if env.get("DAGSTER_HOME") else None
        )
        timeout = env.get("SENTINEL_GEMINI_TIMEOUT_S")
        extra: dict[str, object] = {}
        for var, field, conv in (
            ("SENTINEL_GEMINI_ATTEMPTS", "gemini_attempts", int),
            ("SENTINEL_MAX_PROMPT_CHARS", "max_prompt_chars", int),
            ("SENTINEL_BREAKER_THRESHOLD", "breaker_threshold", int),
            ("SENTINEL_BREAKER_COOLDOWN_S", "breaker_cooldown_s", float),
        ):
            raw = (env.get(var) or "").strip()
            if raw:
                try:
                    extra[field] = conv(raw)
                except ValueError:
                    raise ValueError(f"{var} must be a number, not {raw!r}") from None
        cache = (env.get("SENTINEL_GEMINI_CACHE") or "").strip().lower()
        if cache:
            extra["cache_enabled"] = cache not in ("0", "false", "no", "off")
        try:
            timeout_s = float(timeout) if timeout else 20.0
        except ValueError:
            raise ValueError(
                f"SENTINEL_GEMINI_TIMEOUT_S must be a number, not {timeout!r}"
            ) from None
        return cls.model_validate(
            {
                "mode": mode,
                "gemini_api_key": SecretStr(key) if key else None,
                "gemini_model": env.get("GEMINI_MODEL") or DEFAULT_GEMINI_MODEL,
                "gemini_base_url": env.get("GEMINI_BASE_URL") or None,
                "gemini_timeout_s": timeout_s,
                "state_dir": Path(state) if state else None,
                **extra,
            }
        )
