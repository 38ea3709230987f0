#!/usr/bin/python3
"""Converts a YAML document (proto/openapi.yaml) to compact JSON at build time.

    yaml_to_json.py <in.yaml> <out.json>

Stricter than a plain yaml.safe_load, so the JSON says what the YAML author meant:
- only true/false are booleans (YAML 1.1 would turn `on`, `no`, `y` into booleans);
- timestamps stay strings (YAML 1.1 would turn 2026-01-31T09:00:00Z into a datetime);
- a duplicated mapping key is an error (PyYAML silently keeps the last one);
- mapping keys become strings (response codes written without quotes are ints in YAML).
The output is written only when the conversion succeeded, and must not contain the raw-string
delimiter of cmake/embed_files_gen.cmake, which embeds it in the gateway.
"""

import json
import os
import re
import sys

try:
    import yaml
except ImportError:
    sys.exit("yaml_to_json.py: PyYAML is missing; install the python3-yaml package "
             "(scripts/install-deps does)")

EMBED_DELIMITER = ')etp_embed"'


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like scalars and no duplicate keys."""


# Drop the YAML 1.1 bool and timestamp resolvers, then resolve only true/false as booleans.
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    result = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, bool) or not isinstance(key, (str, int, float)):
            raise yaml.constructor.ConstructorError(
                None, None, f"mapping key {key!r} is not a string", key_node.start_mark)
        key = str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate mapping key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=deep)
    return result


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: yaml_to_json.py <in.yaml> <out.json>")
    source, target = argv[1], argv[2]
    try:
        with open(source, encoding="utf-8") as f:
            document = yaml.load(f, Loader=StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except (OSError, yaml.YAMLError) as e:
        sys.exit(f"{source}: {e}")
    try:
        text = json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    except ValueError as e:
        sys.exit(f"{source}: not representable as JSON: {e}")
    if EMBED_DELIMITER in text:
        sys.exit(f"{source}: the JSON contains {EMBED_DELIMITER}, which ends the embedded string")
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.write("\n")
    os.replace(tmp, target)


if __name__ == "__main__":
    main(sys.argv)
