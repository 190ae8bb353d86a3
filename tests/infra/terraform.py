"""Reading infra/ for the tests: python-hcl2 parses the files; this flattens its output into plain values.

python-hcl2 keeps the quotes of string literals ('"jobs"') and wraps expressions in '${...}'; the helpers
strip the quotes so a literal compares equal to a Python string, and leave expressions as they are.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
ENVIRONMENTS = ("dev", "prod")
_META_KEYS = {"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}


def plain(value: Any) -> Any:
    """A parsed value with literal quotes stripped and python-hcl2's bookkeeping keys dropped."""
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items() if key not in _META_KEYS}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, str) and len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    return value


@functools.cache
def parse(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        parsed: dict[str, Any] = plain(hcl2.load(handle))
    return parsed


def tf_files() -> list[Path]:
    return sorted(INFRA.rglob("*.tf"))


def resources(resource_type: str | None = None) -> Iterator[tuple[Path, str, str, dict[str, Any]]]:
    """(file, type, name, body) of every resource block in infra/, optionally of one type."""
    for path in tf_files():
        for block in parse(path).get("resource", []):
            for kind, named in block.items():
                if resource_type is None or kind == resource_type:
                    for name, body in named.items():
                        yield path, kind, name, body


def module_locals(module: str) -> dict[str, Any]:
    """Every local of one module ('' for the root), merged across its locals blocks and files."""
    folder = INFRA / "modules" / module if module else INFRA
    merged: dict[str, Any] = {}
    for path in sorted(folder.glob("*.tf")):
        for block in parse(path).get("locals", []):
            merged.update(block)
    return merged


def module_call(name: str) -> dict[str, Any]:
    """The arguments the root passes to one module block of infra/main.tf."""
    for block in parse(INFRA / "main.tf").get("module", []):
        if name in block:
            arguments: dict[str, Any] = block[name]
            return arguments
    raise KeyError(name)


def module_outputs(module: str) -> dict[str, Any]:
    """output name -> its value expression, of one module ('' for the root)."""
    folder = INFRA / "modules" / module if module else INFRA
    outputs: dict[str, Any] = {}
    for path in sorted(folder.glob("*.tf")):
        for block in parse(path).get("output", []):
            outputs.update({name: body["value"] for name, body in block.items()})
    return outputs


def root_variables() -> dict[str, dict[str, Any]]:
    variables: dict[str, dict[str, Any]] = {}
    for block in parse(INFRA / "variables.tf").get("variable", []):
        variables.update(block)
    return variables


def tfvars(environment: str) -> dict[str, Any]:
    return parse(INFRA / "environments" / f"{environment}.tfvars")


def resolve_local(value: Any, module: str) -> Any:
    """'${local.name}' -> that local's value in the module; anything else unchanged."""
    if isinstance(value, str) and value.startswith("${local.") and value.endswith("}"):
        return module_locals(module)[value[len("${local.") : -1]]
    return value
