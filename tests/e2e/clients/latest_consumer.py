#!/usr/bin/python3
"""An outside consumer of the platform's topic, as a user writes one with confluent-kafka:
a consumer group that starts at the end (auto.offset.reset=latest). Prints "ready" once it has
reached the end of every assigned partition (so "latest" was resolved: from then on nothing
published is skipped), then one JSON line per message: when it arrived, its key, headers and value. Stops after --count messages (with
--key: messages with that key; others are not printed) or --timeout seconds.

usage: latest_consumer.py BOOTSTRAP TOPIC GROUP --count N --timeout S [--key K]
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    parser.add_argument("topic")
    parser.add_argument("group")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--key")
    args = parser.parse_args()

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "auto.offset.reset": "latest",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    assigned = []
    consumer.subscribe([args.topic], on_assign=lambda c, parts: assigned.extend(parts))
    deadline = time.time() + args.timeout
    at_end = set()
    ready = False
    seen = 0
    while time.time() < deadline and seen < args.count:
        message = consumer.poll(0.1)
        if message is None:
            continue
        if message.error():
            if message.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(message.partition())
                if not ready and assigned and len(at_end) >= len(assigned):
                    ready = True
                    print("ready", flush=True)
            else:
                print(json.dumps({"error": str(message.error())}), flush=True)
            continue
        key = message.key().decode() if message.key() else None
        if args.key is not None and key != args.key:
            continue
        seen += 1
        headers = {k: (v.decode() if v is not None else None) for k, v in (message.headers() or [])}
        print(json.dumps({
            "received_at": time.time(),
            "key": key,
            "headers": headers,
            "value": json.loads(message.value()) if message.value() else None,
        }), flush=True)
    consumer.close()
    return 0 if seen >= args.count else 1


if __name__ == "__main__":
    sys.exit(main())
