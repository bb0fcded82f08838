"""Plain JSON for any result object: dataclasses, enums, dates and paths."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

Memo = dict[int, tuple[Any, Any]]


def to_jsonable(value: Any, memo: Memo | None = None) -> Any:
    """``value`` as plain JSON. ``memo`` remembers each frozen dataclass instance's JSON by
    identity (the instance is kept with it), for callers that convert the same immutable
    views again and again (the web app's live views: most items are the previous ones)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if memo is not None and type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
            known = memo.get(id(value))
            if known is not None and known[0] is value:
                return known[1]
            converted = {
                f.name: to_jsonable(getattr(value, f.name), memo) for f in dataclasses.fields(value)
            }
            memo[id(value)] = (value, converted)
            return converted
        return {
            f.name: to_jsonable(getattr(value, f.name), memo) for f in dataclasses.fields(value)
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, memo) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v, memo) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n"
