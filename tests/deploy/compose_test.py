#!/usr/bin/env python3
"""Checks deploy/docker/compose.yaml against the programs it runs (label deploy).

For every service that runs the platform's image: the program exists (the image's Dockerfile
installs it), each environment variable it is given is one that program's --help lists, each
command-line option is one its --help lists, the ports published and probed are the ones the
program listens on (ADMIN_PORT / HTTP_PORT, or their defaults), and it reaches PostgreSQL and
Kafka the way the compose file's own postgres and kafka services are set up. Also that the
image is the one k8s/ deploys. First proves it refuses a compose file with a wrong variable,
port and option (--self-test is the same check on mutated copies).

The file is also parsed and checked against the Compose schema by docker-compose (Debian's 1.29,
`config -q`), minus the top-level `name`, which that version predates.

Usage: compose_test.py BUILD_DIR   (the tree whose services/*/<name> and tools/topics/etp-topics
                                   binaries the --help texts come from)
"""

import copy
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPOSE = os.path.join(ROOT, "deploy", "docker", "compose.yaml")
DOCKERFILE = os.path.join(ROOT, "deploy", "docker", "Dockerfile")
IMAGE_PREFIX = "etp/platform:"


def binary_path(build_dir, program):
    if program == "etp-topics":
        return os.path.join(build_dir, "tools", "topics", program)
    return os.path.join(build_dir, "services", program, program)


_help_cache = {}


def help_of(build_dir, program):
    """(variables {name: default or None}, options set) from `program --help`."""
    if program not in _help_cache:
        path = binary_path(build_dir, program)
        text = subprocess.run([path, "--help"], check=True, capture_output=True, text=True,
                              timeout=30).stdout
        variables = {}
        for match in re.finditer(r"^  ([A-Z][A-Z0-9_]+)\s+(.*)$", text, re.M):
            default = re.search(r"\(default: ([^)]*)\)\s*$", match.group(2))
            variables[match.group(1)] = default.group(1) if default else None
        options = set(re.findall(r"^  (--[a-z][a-z-]*)", text, re.M))
        _help_cache[program] = (variables, options)
    return _help_cache[program]


def published_container_ports(service):
    ports = set()
    for entry in service.get("ports", []):
        ports.add(int(str(entry).split(":")[-1].split("/")[0]))
    return ports


def check(compose, build_dir, dockerfile_text, k8s_images):
    problems = []
    services = compose.get("services", {})
    installed = set(re.findall(r"/build/(?:services/[a-z-]+|tools/topics)/([a-z-]+)", dockerfile_text))

    postgres = services.get("postgres", {}).get("environment", {})
    kafka = services.get("kafka", {}).get("environment", {})
    advertised = {urlsplit(listener).netloc
                  for listener in str(kafka.get("KAFKA_ADVERTISED_LISTENERS", "")).split(",")}

    for name, service in services.items():
        for dependency in service.get("depends_on", {}) or {}:
            if dependency not in services:
                problems.append(f"{name}: depends_on names no service '{dependency}'")
        image = str(service.get("image", ""))
        if not image.startswith(IMAGE_PREFIX):
            continue
        if k8s_images and image not in k8s_images:
            problems.append(f"{name}: image {image} is not the one k8s/ deploys ({', '.join(sorted(k8s_images))})")
        command = service.get("command") or []
        if not command:
            problems.append(f"{name}: no command (the image's default would run the gateway)")
            continue
        program = os.path.basename(command[0])
        if program not in installed:
            problems.append(f"{name}: runs {command[0]}, which deploy/docker/Dockerfile does not install")
            continue
        variables, options = help_of(build_dir, program)
        for argument in command[1:]:
            option = argument.split("=", 1)[0]
            if option not in options:
                problems.append(f"{name}: {program} --help lists no option {option}")
        environment = service.get("environment", {}) or {}
        for variable in environment:
            if variable not in variables:
                problems.append(f"{name}: {program} --help lists no variable {variable}")

        def setting(variable):
            if variable in environment:
                return str(environment[variable])
            return variables.get(variable)

        if "DATABASE_URL" in variables:
            if "DATABASE_URL" not in environment:
                problems.append(f"{name}: DATABASE_URL is not set (its default is no host of this file)")
            for variable in ("DATABASE_URL", "CDC_SOURCE_URL"):
                # CDC_SOURCE_URL only where it is set: --migrate-only, say, does not read it.
                if variable not in environment:
                    continue
                url = urlsplit(setting(variable) or "")
                if url.hostname != "postgres" or (url.port or 5432) != 5432:
                    problems.append(f"{name}: {variable} does not point at the postgres service")
                if url.username != postgres.get("POSTGRES_USER") or url.password != postgres.get("POSTGRES_PASSWORD"):
                    problems.append(f"{name}: {variable}'s user or password differs from the postgres service's")
                if variable == "DATABASE_URL" and url.path.lstrip("/") != postgres.get("POSTGRES_DB"):
                    problems.append(f"{name}: DATABASE_URL's database is not POSTGRES_DB")
        if "KAFKA_BROKERS" in variables:
            if "KAFKA_BROKERS" not in environment:
                problems.append(f"{name}: KAFKA_BROKERS is not set (its default is no host of this file)")
            for broker in (setting("KAFKA_BROKERS") or "").split(","):
                if broker not in advertised:
                    problems.append(f"{name}: KAFKA_BROKERS {broker} is not a listener kafka advertises ({', '.join(sorted(advertised))})")

        if service.get("restart") == "no":
            continue  # a one-shot job listens on nothing
        published = published_container_ports(service)
        for variable in ("ADMIN_PORT", "HTTP_PORT"):
            if variable not in variables:
                continue
            port = setting(variable)
            if port is None or not port.isdigit():
                problems.append(f"{name}: {variable} has no port")
                continue
            if int(port) not in published:
                problems.append(f"{name}: {variable} {port} is not among its published ports {sorted(published)}")
        for port in published:
            if str(port) not in (setting("ADMIN_PORT"), setting("HTTP_PORT")):
                problems.append(f"{name}: publishes port {port}, on which {program} does not listen")
        probe = " ".join(str(part) for part in (service.get("healthcheck", {}) or {}).get("test", []))
        if not probe:
            problems.append(f"{name}: no healthcheck")
        elif "ADMIN_PORT" in probe:
            if "ADMIN_PORT" not in environment:
                problems.append(f"{name}: the healthcheck reads ADMIN_PORT, which is not set")
        elif str(setting("ADMIN_PORT")) not in probe:
            problems.append(f"{name}: the healthcheck does not ask the admin port {setting('ADMIN_PORT')}")
    return problems


def k8s_images():
    images = set()
    for path in glob.glob(os.path.join(ROOT, "k8s", "base", "*.yaml")):
        with open(path) as file:
            images.update(re.findall(r"image:\s*(" + re.escape(IMAGE_PREFIX) + r"\S+)", file.read()))
    return images


def self_test(compose, build_dir, dockerfile_text, images):
    mutations = {
        "a variable the program does not know": lambda c: c["services"]["scheduler"]["environment"].update(SCHEDULER_NO_SUCH=1),
        "an admin port that is not published": lambda c: c["services"]["dispatcher"]["environment"].update(ADMIN_PORT=9999),
        "an option the program does not know": lambda c: c["services"]["migrate"].update(command=["/usr/local/bin/api-gateway", "--migrate-everything"]),
        "a wrong broker": lambda c: c["services"]["retention"]["environment"].update(KAFKA_BROKERS="kafka:29092"),
        "a wrong database password": lambda c: c["services"]["api-gateway"]["environment"].update(DATABASE_URL="postgresql://etp:nope@postgres:5432/etp"),
    }
    for what, mutate in mutations.items():
        broken = copy.deepcopy(compose)
        mutate(broken)
        if not check(broken, build_dir, dockerfile_text, images):
            print(f"compose_test: self-test: {what} was not reported", file=sys.stderr)
            return False
    return True


def compose_schema_problems():
    """docker-compose's own validation (schema, interpolation, anchors) of the file."""
    with open(COMPOSE) as file:
        text = re.sub(r"(?m)^name: .*\n", "", file.read())
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as copy_file:
        copy_file.write(text)
        copy_file.flush()
        result = subprocess.run(["docker-compose", "-f", copy_file.name, "--project-directory",
                                 os.path.dirname(COMPOSE), "config", "-q"],
                                capture_output=True, text=True, timeout=60)
    return [] if result.returncode == 0 else [f"docker-compose config: {result.stderr.strip()}"]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    build_dir = sys.argv[1]
    with open(COMPOSE) as file:
        compose = yaml.safe_load(file)
    with open(DOCKERFILE) as file:
        dockerfile_text = file.read()
    images = k8s_images()
    if not images:
        print("compose_test: no etp/platform image in k8s/base", file=sys.stderr)
        return 1
    # Each service's environment is a fresh dict (YAML merge keys share nothing), so mutating
    # one in the self-test leaves the others alone.
    if not self_test(compose, build_dir, dockerfile_text, images):
        return 1
    if shutil.which("docker-compose") is None:
        print("compose_test: docker-compose is missing (scripts/install-deps installs it)", file=sys.stderr)
        return 1
    problems = compose_schema_problems() + check(compose, build_dir, dockerfile_text, images)
    for problem in problems:
        print(f"compose_test: {problem}", file=sys.stderr)
    platform = [n for n, s in compose["services"].items() if str(s.get("image", "")).startswith(IMAGE_PREFIX)]
    if not problems:
        print(f"compose_test: {len(platform)} platform services checked against --help: {', '.join(platform)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
