#!/usr/bin/python3
"""Validates SARIF logs against the SARIF 2.1.0 JSON schema, offline.

usage: validate.py SCHEMA LOG...

SCHEMA is the schema file that scripts/setup.sh installs (.tools/sarif/sarif-schema-2.1.0.json).
Uses Debian's python3-jsonschema with the draft the schema declares. That jsonschema has no
checker for the "uri" and "uri-reference" formats, so this script adds RFC 3986 ones.
Exit status: 0 all valid, 1 a log is invalid, 2 the schema or a log cannot be used.
"""
import json
import re
import sys

import jsonschema

_CHARS = r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*"
_URI = re.compile(rf"^{_SCHEME}:{_CHARS}$")
# A relative reference must not look like it starts with a scheme (RFC 3986, 4.2).
_RELATIVE = re.compile(rf"^(?![^/?#]*:){_CHARS}$")


def _local_refs_only(node):
    """True when every $ref points into the schema itself, so nothing is fetched."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return False
        return all(_local_refs_only(v) for v in node.values())
    if isinstance(node, list):
        return all(_local_refs_only(v) for v in node)
    return True


def _format_checker():
    checker = jsonschema.FormatChecker()

    @checker.checks("uri")
    def _is_uri(value):
        return not isinstance(value, str) or bool(_URI.match(value))

    @checker.checks("uri-reference")
    def _is_uri_reference(value):
        return not isinstance(value, str) or bool(_URI.match(value) or _RELATIVE.match(value))

    return checker


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        print(f"validate.py: cannot read the schema {argv[1]}: {e}", file=sys.stderr)
        return 2
    if not _local_refs_only(schema):
        print("validate.py: the schema refers to other documents; refusing to fetch them", file=sys.stderr)
        return 2
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=_format_checker())

    status = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                log = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: not JSON: {e}", file=sys.stderr)
            return 2
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            print(f"{path}: {where}: {e.message}", file=sys.stderr)
        if errors:
            status = 1
        else:
            print(f"{path}: valid SARIF 2.1.0 ({cls.__name__})")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
