"""template.yaml with some parameters' defaults replaced, as JSON on stdout.

Usage: python template_variant.py TEMPLATE NAME=VALUE...

`sam validate` takes no parameter values, so bin/check-deploy validates each
configuration (stage, authorizer, ...) as a variant whose defaults are that
configuration. Runs with the SAM CLI's Python (its YAML loader reads the
CloudFormation short-form tags).
"""

import json
import sys

from samcli.yamlhelper import yaml_parse


def main() -> None:
    path, *assignments = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    parameters = template["Parameters"]
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        if name not in parameters:
            sys.exit(f"{path} has no parameter {name}")
        parameters[name]["Default"] = value
    json.dump(template, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
