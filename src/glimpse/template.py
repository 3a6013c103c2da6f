"""Reading template.yaml: the functions the local execution environments run come from the same
file that `sam deploy` deploys, so local and deployed behaviour cannot drift apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from glimpse.environment import FunctionConfig


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, ...) read as their long forms."""


def _long_form(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _long_form)


def load_template(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CloudFormationLoader)


def functions(template_path: Path, build_dir: Path) -> dict[str, FunctionConfig]:
    """Every AWS::Serverless::Function, with its code at build_dir/<LogicalId> (the layout of
    `sam build`'s output and of `make build`)."""
    template = load_template(template_path)
    defaults = template.get("Globals", {}).get("Function", {})
    found = {}
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = defaults | resource.get("Properties", {})
        found[name] = FunctionConfig(
            name=name,
            handler=properties["Handler"],
            code_dir=build_dir / name,
            environment=properties.get("Environment", {}).get("Variables", {}),
            memory_mb=int(properties.get("MemorySize", 128)),
            timeout_s=float(properties.get("Timeout", 3)),
            ephemeral_mb=int(properties.get("EphemeralStorage", {}).get("Size", 512)),
            runtime=properties["Runtime"],
        )
    return found
