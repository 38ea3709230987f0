#!/usr/bin/env python3
"""Checks the documentation against the code (label docs).

1. Every environment variable a program's --help lists (the five services and etp-topics) is
   named in docs/configuration.md.
2. Every variable named in docs/configuration.md (a `NAME_WITH_UNDERSCORES` in backticks) is
   listed by some --help, or is one of SCRIPT_VARIABLES below (read by scripts, not services).
3. Every path of proto/openapi.yaml is named in docs/api.md.
4. Every topic of proto/kafka/topics.json is named (with the default prefix) in
   docs/kafka-topics.md.
5. Every relative link of README.md and docs/*.md points at a file that exists, or at one of
   PENDING_PAGES.

First proves it refuses a configuration page with a variable left out and one made up.

Usage: docs_test.py BUILD_DIR   (the tree whose services/*/<name> and tools/topics/etp-topics
                                binaries the --help texts come from)
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS = ["api-gateway", "scheduler", "cdc-capture", "dispatcher", "retention", "etp-topics"]

# Variables docs/configuration.md documents that no service's --help lists, each with who reads it.
SCRIPT_VARIABLES = {
    "ETP_BROKER": "scripts/run: which broker it starts",
    "ETP_PG_PORT": "scripts/run: port of the private PostgreSQL",
    "ETP_BROKER_PORT": "scripts/run: port of the broker",
    "ETP_KAFKA_HEAP": "scripts/run: Apache Kafka's JVM heap",
    "ETP_BROKER_PARTITIONS": "scripts/run: partitions of the development broker",
    "ETP_ADMIN_PORT_BASE": "scripts/run: first admin port",
    "ETP_BUILD_DIR": "scripts/run: build tree",
    "ETP_TEST_BUILD_DIR": "scripts/test: build tree",
    "ETP_SKIP_FORMAT": "scripts/test: skips the clang-format check",
    "ETP_SKIP_TIDY": "scripts/test: skips clang-tidy",
    "ETP_TIDY_FILES": "scripts/test: the files clang-tidy checks",
    "ETP_CRDS_DIR": "tests/deploy/k8s_test.sh: the operators' CRDs",
    "ETP_CHAOS_SECONDS": "tests/e2e (fault label): length of the chaos run",
    "ETP_CHAOS_SEED": "tests/e2e (fault label): repeats a chaos run",
    "ETP_TARGET_OUTAGE_SECONDS": "tests/e2e (fault label): length of the target outage",
    "GLIBC_TUNABLES": "glibc itself: overrides the services' malloc settings",
}

# Pages other work adds; links to them are allowed before they exist.
PENDING_PAGES = set()


def binary_path(build_dir, program):
    if program == "etp-topics":
        return os.path.join(build_dir, "tools", "topics", program)
    return os.path.join(build_dir, "services", program, program)


def help_variables(build_dir):
    """{variable: [programs whose --help lists it]}"""
    found = {}
    for program in PROGRAMS:
        text = subprocess.run([binary_path(build_dir, program), "--help"], check=True,
                              capture_output=True, text=True, timeout=30).stdout
        names = re.findall(r"^  ([A-Z][A-Z0-9_]+)\s", text, re.M)
        if not names:
            raise SystemExit(f"docs_test: {program} --help lists no variables; has its format changed?")
        for name in names:
            found.setdefault(name, []).append(program)
    return found


def documented_variables(text):
    return set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", text))


def check_settings(config_text, variables):
    problems = []
    documented = documented_variables(config_text)
    for name, programs in sorted(variables.items()):
        if name not in documented:
            problems.append(f"docs/configuration.md does not document {name} ({', '.join(programs)} --help lists it)")
    for name in sorted(documented):
        if name not in variables and name not in SCRIPT_VARIABLES:
            problems.append(f"docs/configuration.md names {name}, which no --help lists "
                            "(a typo, a removed setting, or a script's variable missing from SCRIPT_VARIABLES)")
    return problems


def check_routes():
    api = open(os.path.join(ROOT, "docs", "api.md")).read()
    quoted = " ".join(re.findall(r"`([^`]+)`", api))
    problems = []
    for path in re.findall(r"^  (/\S*):\s*$", open(os.path.join(ROOT, "proto", "openapi.yaml")).read(), re.M):
        short = path[len("/api/v1"):] if path.startswith("/api/v1/") else path
        if not re.search(r"(^|[\s,])" + re.escape(short) + r"($|[\s,`?])", quoted):
            problems.append(f"docs/api.md does not name the route {short} (proto/openapi.yaml: {path})")
    return problems


def check_topics():
    page = open(os.path.join(ROOT, "docs", "kafka-topics.md")).read()
    catalog = json.load(open(os.path.join(ROOT, "proto", "kafka", "topics.json")))
    return [f"docs/kafka-topics.md does not name the topic etp.{t['name']} (proto/kafka/topics.json)"
            for t in catalog["topics"] if f"`etp.{t['name']}`" not in page]


def check_links():
    problems = []
    pages = ["README.md"] + sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
                                   if f.endswith(".md"))
    for page in pages:
        text = open(os.path.join(ROOT, page)).read()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(page), target.split("#")[0]))
            if not os.path.exists(os.path.join(ROOT, path)) and path not in PENDING_PAGES:
                problems.append(f"{page}: link to {target}, which does not exist")
    return problems


def self_test(config_text, variables):
    """The check must notice a documented variable removed and an undocumented one added."""
    victim = "DELIVERY_LEASE"
    assert victim in variables, f"{victim} is no longer in any --help; pick another for the self-test"
    removed = config_text.replace(f"`{victim}`", "`delivery lease`")
    added = config_text + "\n| `ETP_NO_SUCH_SETTING` | | |\n"
    if not any(victim in p for p in check_settings(removed, variables)):
        raise SystemExit("docs_test self-test: a page without DELIVERY_LEASE passed")
    if not any("ETP_NO_SUCH_SETTING" in p for p in check_settings(added, variables)):
        raise SystemExit("docs_test self-test: a page with ETP_NO_SUCH_SETTING passed")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    variables = help_variables(sys.argv[1])
    config_text = open(os.path.join(ROOT, "docs", "configuration.md")).read()
    self_test(config_text, variables)
    problems = check_settings(config_text, variables) + check_routes() + check_topics() + check_links()
    if problems:
        print("documentation out of step with the code:", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        sys.exit(1)
    print(f"docs ok: {len(variables)} variables, routes, topics and links checked")


if __name__ == "__main__":
    main()
