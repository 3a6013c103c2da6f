"""template.yaml's rows for each language, written from its recipe (languages/<id>/recipe.toml):
its runner function (memory, /tmp size and layers from the recipe's [function]), its warm-pool alias, its
line in InvokeRunnersPolicy and its variable among RouterFunction's. Each kind of row stands
between a `# BEGIN generated <section>` line and an `# END generated <section>` line, at the
indentation of those lines; everything else in template.yaml is written by hand.

    .venv/bin/python -m glimpse_local.runner_rows            rewrite the generated sections
    .venv/bin/python -m glimpse_local.runner_rows --check    only say whether they are up to date

tests/template checks that template.yaml is what this writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable

from glimpse.api import runner_variable
from glimpse.languages import Recipe, catalogue
from glimpse_local.local import project_root

COMMAND = ".venv/bin/python -m glimpse_local.runner_rows"
_SECTION = re.compile(r"^(?P<indent> *)# BEGIN generated (?P<name>[a-z-]+)\b.*\n(?P<rows>.*?)^ *# END generated (?P=name)\b",
                      re.MULTILINE | re.DOTALL)


def runner_name(recipe: Recipe) -> str:
    """RunnerKotlin for kotlin: the stem of its resources' logical ids (alphanumeric, as CloudFormation wants)."""
    return "Runner" + "".join(part.capitalize() for part in recipe.id.split("-"))


def function_id(recipe: Recipe) -> str:
    return f"{runner_name(recipe)}Function"


def _runner(recipe: Recipe) -> str:
    layers = ", ".join(f"!Ref {layer}" for layer in recipe.function.layers)
    layers_row = f"    Layers: [{layers}]\n" if layers else ""  # Python needs none
    return f"""{function_id(recipe)}:
  Type: AWS::Serverless::Function
  Metadata:
    BuildMethod: makefile
  Properties:
    CodeUri: functions/runner/
    Role: !GetAtt RunnerRole.Arn
    AutoPublishAlias: live
    AutoPublishAliasAllProperties: true
    MemorySize: {recipe.function.memory_mb}
    EphemeralStorage:
      Size: {recipe.function.ephemeral_storage_mb}
{layers_row}    Environment:
      Variables:
        GLIMPSE_LANGUAGE: {recipe.id}
        POWERTOOLS_SERVICE_NAME: glimpse-runner
        AWS_LAMBDA_EXEC_WRAPPER: /var/task/glimpse-runtime

{runner_name(recipe)}WarmPool:
  Type: AWS::Lambda::Alias
  Condition: WarmPool
  Properties:
    FunctionName: !Ref {function_id(recipe)}
    FunctionVersion: !GetAtt {function_id(recipe)}.Version.Version
    Name: warm
    ProvisionedConcurrencyConfig:
      ProvisionedConcurrentExecutions: !Ref WarmPoolSize
"""


# Section name -> the rows of one language. Runners are separated by a blank line, as resources are.
SECTIONS: dict[str, tuple[Callable[[Recipe], str], str]] = {
    "invoke-policy": (lambda recipe: f'- !Sub "${{{function_id(recipe)}.Arn}}:*"\n', ""),
    "router-variables": (lambda recipe: f"{runner_variable(recipe.id)}: !Ref {function_id(recipe)}\n", ""),
    "runners": (_runner, "\n"),
}


def _indented(text: str, indent: str) -> str:
    return "".join(indent + line if line.strip() else line for line in text.splitlines(keepends=True))


def generated(template: str, recipes: list[Recipe]) -> str:
    """The template with every generated section written afresh from the recipes."""
    found = set()

    def section(match: re.Match) -> str:
        render, separator = SECTIONS[match["name"]]
        found.add(match["name"])
        rows = separator.join(render(recipe) for recipe in recipes)
        begin, end = match[0].splitlines(keepends=True)[0], match[0].splitlines()[-1]
        return begin + _indented(rows, match["indent"]) + end

    written = _SECTION.sub(section, template)
    if found != set(SECTIONS):
        raise ValueError(f"template.yaml lacks the generated sections {sorted(set(SECTIONS) - found)}")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when template.yaml is not what the recipes give")
    options = parser.parse_args()
    path = project_root() / "template.yaml"
    current = path.read_text()
    wanted = generated(current, catalogue().recipes)
    if options.check:
        sys.exit(0 if wanted == current else f"template.yaml's runner rows are not the recipes': run `{COMMAND}`")
    if wanted != current:
        path.write_text(wanted)
        print(f"rewrote the runner rows of {path}")


if __name__ == "__main__":
    main()
