"""Prints template.yaml as CloudFormation receives it: the SAM transform applied, as `sam deploy`
applies it. Runs in the SAM CLI's venv (build/sam-cli), whose samtranslator does the transform.

    synthesize.py TEMPLATE [Parameter=Value ...]
"""

import json
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The template names no AWS managed policy, so none needs looking up (the real loader asks IAM)."""

    def load(self) -> dict:
        return {}


def main(template_path: str, *assignments: str) -> None:
    template = yaml_parse(open(template_path).read())
    for resource in template["Resources"].values():
        # `sam deploy` uploads local code and writes its S3 location here first.
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion"):
            key = "CodeUri" if resource["Type"] == "AWS::Serverless::Function" else "ContentUri"
            resource["Properties"][key] = "s3://glimpse-artifacts/code.zip"
    parameters = dict(assignment.split("=", 1) for assignment in assignments)
    json.dump(transform(template, parameters, NoManagedPolicies()), sys.stdout, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:])
