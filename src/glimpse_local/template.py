"""Reading template.yaml: the functions the local execution environments run come from the same
file that `sam deploy` deploys, so local and deployed behaviour cannot drift apart."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from pydantic import BaseModel, ConfigDict

from glimpse_local.environment import FunctionConfig
from glimpse_local.environment.variables import ACCOUNT_ID, REGION

LOCAL_STACK_NAME = "glimpse-local"
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


# libyaml's parser (PyYAML's wheels carry it) reads the template in a sixth of the pure-Python time.
class _CloudFormationLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, ...) read as their long forms."""


def _long_form(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":  # !GetAtt Resource.Attribute is the short form of [Resource, Attribute]
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _long_form)


def load_template(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CloudFormationLoader)


class _NoValue:
    """AWS::NoValue: the property it stands for is left out."""


NO_VALUE = _NoValue()


# What the local stack provides under the resource's logical id (Ref gives that id).
LOCAL_RESOURCE_TYPES = frozenset({"AWS::Serverless::Function", "AWS::DynamoDB::Table", "AWS::SecretsManager::Secret"})


def _network(properties: Mapping[str, Any]) -> str:
    """A function that calls AWS services (it declares AWS_ENDPOINT_URL_<SERVICE>, which the local
    stack points at its stand-ins) gets this host's network, as Lambda gives a function outside a
    VPC the internet; it reaches the local services, and callbacks, there. The others (the runners)
    get a loopback of their own whatever their VpcConfig: locally a hostile program must not reach
    this host's network, the local services included."""
    variables = properties.get("Environment", {}).get("Variables", {})
    return "host" if any(name.startswith("AWS_ENDPOINT_URL_") for name in variables) else "private"


class LocalResolver:
    """Gives the template's values the meaning they have on this machine.

    Parameters take the values given, else their defaults; conditions are evaluated from them.
    A function's name is its logical id (the local Lambda service serves functions by logical id,
    as `sam local` does); so is a table's and a secret's (the local stack creates them so named). An API key's id is the
    one the local gateway gives its Value. Anything only a real deployment can give (another resource's ARN, an
    import) is refused by name rather than guessed.
    """

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str] | None = None):
        self.template = template
        declared = template.get("Parameters", {})
        unknown = sorted(set(parameters or {}) - set(declared))
        if unknown:
            raise ValueError(f"the template declares no parameter {', '.join(unknown)}")
        self.parameters = {name: str(spec.get("Default", "")) for name, spec in declared.items()} | dict(parameters or {})
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            try:
                definition = self.template["Conditions"][name]
            except KeyError:
                raise ValueError(f"the template declares no condition {name}") from None
            self._conditions[name] = bool(self.value(definition))
        return self._conditions[name]

    def value(self, node: Any) -> Any:
        """The node with every intrinsic function resolved; NO_VALUE where AWS::NoValue removes it."""
        if isinstance(node, list):
            return [item for item in map(self.value, node) if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (name, argument), = node.items()
            if name == "Ref" or name.startswith("Fn::") or name == "Condition":
                return self._intrinsic(name, argument)
        resolved = {key: self.value(item) for key, item in node.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _intrinsic(self, name: str, argument: Any) -> Any:
        if name == "Ref":
            return self._reference(argument)
        if name == "Condition":
            return self.condition(argument)
        if name == "Fn::If":
            condition, when_true, when_false = argument
            return self.value(when_true if self.condition(condition) else when_false)
        if name == "Fn::Equals":
            first, second = (self.value(item) for item in argument)
            return str(first) == str(second)
        if name == "Fn::Not":
            return not self.value(argument[0])
        if name == "Fn::And":
            return all(self.value(item) for item in argument)
        if name == "Fn::Or":
            return any(self.value(item) for item in argument)
        if name == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in self.value(items))
        if name == "Fn::Sub" and isinstance(argument, str):
            return _SUB_VARIABLE.sub(lambda match: str(self._reference(match[1])), argument)
        raise ValueError(f"{name} is not resolvable locally")

    def _reference(self, name: str) -> Any:
        pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::StackName": LOCAL_STACK_NAME,
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            declared = self.template["Parameters"][name]
            value = self.parameters[name]
            return value.split(",") if declared.get("Type") == "CommaDelimitedList" and value else value
        resource = self.template.get("Resources", {}).get(name, {})
        if resource.get("Type") in LOCAL_RESOURCE_TYPES:
            return name
        if resource.get("Type") == "AWS::ApiGateway::ApiKey":
            return self._api_key_id(resource)
        raise ValueError(f"Ref {name}: only parameters, functions, tables, secrets and API keys are resolvable locally")

    def _api_key_id(self, resource: Mapping[str, Any]) -> str:
        """A Ref gives a key's id: locally the one the gateway derives from the key's Value."""
        # Imported here: the gateway's package reads the template through this module.
        from glimpse_local.gateway.keys import ApiKey

        return ApiKey.of(self.value(resource["Properties"]["Value"])).id


def function_properties(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each AWS::Serverless::Function's properties over the template's Globals, unresolved."""
    defaults = template.get("Globals", {}).get("Function", {})
    return {name: defaults | resource.get("Properties", {}) for name, resource in template.get("Resources", {}).items()
            if resource.get("Type") == "AWS::Serverless::Function"}


def functions(template_path: Path, build_dir: Path, parameters: Mapping[str, str] | None = None) -> dict[str, FunctionConfig]:
    """Every AWS::Serverless::Function, with its code at build_dir/<LogicalId> (the layout of
    `sam build`'s output and of `make build`), its layers at build_dir/../layers/<LogicalId>
    (`make layers`), its variables resolved as LocalResolver says."""
    template = load_template(template_path)
    resolver = LocalResolver(template, parameters)
    return {
        name: FunctionConfig(
            name=name,
            handler=properties["Handler"],
            code_dir=build_dir / name,
            layers=tuple(build_dir.parent / "layers" / layer["Ref"] for layer in properties.get("Layers", [])),
            environment=resolver.value(properties.get("Environment", {}).get("Variables", {})),
            memory_mb=int(properties.get("MemorySize", 128)),
            timeout_s=float(properties.get("Timeout", 3)),
            ephemeral_mb=int(properties.get("EphemeralStorage", {}).get("Size", 512)),
            runtime=properties["Runtime"],
            network=_network(properties),
        )
        for name, properties in function_properties(template).items()
    }


def aliases(template_path: Path) -> dict[str, frozenset[str]]:
    """The alias names each function answers to besides $LATEST: its AutoPublishAlias, and every
    AWS::Lambda::Alias that names it."""
    template = load_template(template_path)
    found: dict[str, set[str]] = {}
    for name, properties in function_properties(template).items():
        published = properties.get("AutoPublishAlias")
        found[name] = {published} if isinstance(published, str) else set()
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Lambda::Alias":
            properties = resource.get("Properties", {})
            target = properties.get("FunctionName", {})
            if isinstance(target, dict) and target.get("Ref") in found:
                found[target["Ref"]].add(properties["Name"])
    return {name: frozenset(names) for name, names in found.items()}


class FunctionSettings(BaseModel):
    """What Lambda applies to a function besides its configuration."""

    model_config = ConfigDict(frozen=True)

    reserved_concurrency: int | None  # ReservedConcurrentExecutions
    tenant_isolation: bool  # TenancyConfig: PER_TENANT: every invocation names its tenant


def function_settings(template_path: Path, parameters: Mapping[str, str] | None = None) -> dict[str, FunctionSettings]:
    template = load_template(template_path)
    resolver = LocalResolver(template, parameters)
    found = {}
    for name, properties in function_properties(template).items():
        reserved = resolver.value(properties.get("ReservedConcurrentExecutions", NO_VALUE))
        tenancy = resolver.value(properties.get("TenancyConfig", NO_VALUE))
        found[name] = FunctionSettings(
            reserved_concurrency=None if reserved is NO_VALUE else int(reserved),
            tenant_isolation=tenancy is not NO_VALUE and tenancy.get("TenantIsolationMode") == "PER_TENANT",
        )
    return found
