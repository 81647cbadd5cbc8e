"""A feed's layout declared in YAML (a bank profile, an ADT CSV mapping) read into its pydantic model, with
one-line errors: a file that can't be read, isn't a mapping, or breaks the model rejects the files it
configures with a reason naming the file and the first offending key."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ingestion.records import FileRejected

Model = TypeVar("Model", bound=BaseModel)


def first_error(exc: ValidationError) -> str:
    """The first problem as `key.path: message`."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def load_yaml_model(path: Path, model: type[Model], what: str, defaults: dict[str, object]) -> Model:
    """`path` as `model` (`defaults` filled in first); raises FileRejected naming `what` and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FileRejected(f"{what} can't be read: {problem}") from None
    if not isinstance(data, dict):
        raise FileRejected(f"{what} is not a mapping of settings")
    try:
        return model.model_validate({**defaults, **data})
    except ValidationError as exc:
        raise FileRejected(f"{what} is invalid: {first_error(exc)}") from None
