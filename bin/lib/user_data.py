"""The workers' user data from template.yaml, as the scripts an instance runs,
for shellcheck: CloudFormation's ${Name} become placeholders and ${!x} becomes
${x}. Writes DIR/user-data.sh and DIR/heredoc-N.sh for each script the user
data writes with a quoted here-document.

Usage: python user_data.py TEMPLATE DIR (with the SAM CLI's Python)."""

import os
import re
import sys

from samcli.yamlhelper import yaml_parse

path, out = sys.argv[1:]
with open(path, encoding="utf-8") as f:
    template = yaml_parse(f.read())
data = template["Resources"]["WorkerLaunchTemplate"]["Properties"]["LaunchTemplateData"]
script = data["UserData"]["Fn::Base64"]["Fn::Sub"]
script = re.sub(r"\$\{(?!!)([A-Za-z0-9:.]+)\}", lambda m: "placeholder-" + m.group(1).replace(":", "-"), script)
script = script.replace("${!", "${")

os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "user-data.sh"), "w", encoding="utf-8") as f:
    f.write(script)
heredocs = re.findall(r"<<'EOF'\n(#!.*?)\nEOF\n", script, flags=re.S)
for i, body in enumerate(heredocs, 1):
    with open(os.path.join(out, f"heredoc-{i}.sh"), "w", encoding="utf-8") as f:
        f.write(body + "\n")
print(" ".join(["user-data.sh"] + [f"heredoc-{i}.sh" for i in range(1, len(heredocs) + 1)]))
