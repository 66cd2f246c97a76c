#!/usr/bin/python3
"""Validates scenarios/schema/scenario.schema.json against every scenario YAML in the tree
(scenarios/*.yaml, scenarios/examples/*.yaml, the loader tests' full example) and checks that
it rejects known-bad documents. The C++ loader is the authority; the schema is what editors and
other tools can check without it, so the two must agree on these files.

usage: check_schema.py SOURCE_DIR
"""
import copy
import glob
import json
import os
import re
import sys

import jsonschema
import yaml


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where `on`, `off`, `yes` and `no` are booleans; yaml-cpp (the
    loader) reads them as text, and `on:`/`off:` are keys of a bursty workload. Only
    true/false are booleans here, as in YAML 1.2."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Yaml12Loader)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
    with open(os.path.join(root, "scenarios/schema/scenario.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    # scenarios/gates.yaml is the release-gate suite (docs/gates.md), not a scenario.
    files = sorted(f for f in glob.glob(os.path.join(root, "scenarios/*.yaml"))
                   if os.path.basename(f) != "gates.yaml")
    files += sorted(glob.glob(os.path.join(root, "scenarios/examples/*.yaml")))
    files.append(os.path.join(root, "sim/scenario/tests/data/full.yaml"))
    failures = 0
    for path in files:
        errors = sorted(validator.iter_errors(load_yaml(path)), key=lambda e: list(e.path))
        for e in errors:
            where = ".".join(str(p) for p in e.path) or "(top level)"
            print(f"{path}: {where}: {e.message[:300]}")
            failures += 1
    print(f"schema: {len(files)} files checked")

    # Known-bad variants of a valid document must be rejected.
    good = load_yaml(os.path.join(root, "scenarios/examples/minimal.yaml"))
    bad = []
    doc = copy.deepcopy(good); doc["tenents"] = doc.pop("tenants"); bad.append(("typo tenents", doc))
    doc = copy.deepcopy(good); doc["duration"] = "5parsec"; bad.append(("bad duration unit", doc))
    doc = copy.deepcopy(good); doc["policy"] = "lottery"; bad.append(("unknown policy", doc))
    doc = copy.deepcopy(good); doc["tenants"][0]["groups"][0]["count"] = 0; bad.append(("count 0", doc))
    doc = copy.deepcopy(good); doc["tenants"][0]["groups"][0]["workload"]["rate"] = "5"; bad.append(("rate without unit", doc))
    doc = copy.deepcopy(good); doc["tenants"][0]["groups"][0]["workload"]["rate"] = "1/3"; bad.append(("rate per a duration without unit", doc))
    doc = copy.deepcopy(good); doc["events"][0]["kind"] = "reboot"; bad.append(("unknown event kind", doc))
    doc = copy.deepcopy(good); doc["gates"].append({"kind": "fairness", "bound": "0"}); bad.append(("bound 0", doc))
    doc = copy.deepcopy(good); doc["gates"].append({"kind": "fairness", "p99_max": "0.5"}); bad.append(("p99_max below 1", doc))
    doc = copy.deepcopy(good); doc["gates"].append({"kind": "audit.verify", "p99_max": 2}); bad.append(("p99_max off fairness", doc))
    doc = copy.deepcopy(good); doc["gates"].append({"kind": "isolation", "baseline": ["x"]}); bad.append(("baseline without tenants", doc))
    doc = copy.deepcopy(good); doc["tenants"][0]["flooder"] = "yes"; bad.append(("flooder not a bool", doc))
    doc = copy.deepcopy(good); doc["machine"]["gpus"][0]["partitions"] = ["1.5ns"]; bad.append(("bad size", doc))
    for label, doc in bad:
        if validator.is_valid(doc):
            print(f"schema accepts a known-bad document: {label}")
            failures += 1
    # Spellings the loader takes that no file above uses (write_scenario_yaml writes them).
    rates = ["1/3ns", "3/2s", "0.5/1.5us", "300/min"]
    for rate in rates:
        doc = copy.deepcopy(good); doc["tenants"][0]["groups"][0]["workload"]["rate"] = rate
        for e in validator.iter_errors(doc):
            print(f"schema refuses rate {rate}: {e.message[:300]}")
            failures += 1
    if failures:
        print(f"schema: {failures} failures")
        return 1
    print(f"schema: {len(bad)} known-bad documents rejected, {len(rates)} rate spellings accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
