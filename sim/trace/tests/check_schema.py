#!/usr/bin/python3
"""Validates a trace against traces/schema/trace.schema.json: line 1 as a header, every other
line as a record (python3-jsonschema). Usage: check_schema.py SCHEMA TRACE"""
import json
import sys

import jsonschema


def main(schema_path, trace_path):
    schema = json.load(open(schema_path))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    header = cls(dict(schema, oneOf=[{"$ref": "#/$defs/header"}]))
    record = cls(dict(schema, oneOf=[{"$ref": "#/$defs/record"}]))
    calls = set()
    with open(trace_path) as f:
        for n, line in enumerate(f, 1):
            obj = json.loads(line)
            # jsonschema is slow: the first 2000 lines, then the first line of each call.
            if n > 2000 and obj.get("call") in calls:
                continue
            v = header if n == 1 else record
            errs = list(v.iter_errors(obj))
            if errs:
                print("%s:%d: %s" % (trace_path, n, errs[0].message))
                return 1
            calls.add(obj.get("call", "header"))
    # The schema must also refuse: a wrong call, a negative time, a missing field.
    bad = [{"i": 0, "t": 0, "cpu": 0, "aid": 0, "call": "reboot", "args": {}, "ret": 0},
           {"i": 0, "t": -1, "call": "checkpoint", "head": "0" * 64, "sealed": 0},
           {"i": 0, "t": 0, "cpu": 0, "aid": 0, "call": "seal", "args": {}, "ret": 0}]
    for b in bad:
        if record.is_valid(b):
            print("the schema accepts %s" % b)
            return 1
    print("ok: %d lines, calls %s" % (n, sorted(calls)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
