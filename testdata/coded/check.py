#!/usr/bin/env python3
"""Check the courses' statuses.json and labels.csv against each other and the codebook's structural rules.

    python3 testdata/coded/check.py        # exit 1 on any error; prints the class balance
"""

import csv
import json
import os
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def id_key(s):
    # Snowflake ids are opaque strings: order by length, then bytes.
    return (len(s), s)


def main():
    errors = []
    statuses = []
    for course in sorted(os.listdir(os.path.join(HERE, "courses"))):
        path = os.path.join(HERE, "courses", course, "statuses.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                statuses += json.load(f)
    with open(os.path.join(HERE, "labels.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))

    by_id = {}
    for s in statuses:
        if not s["id"].isdigit():
            errors.append(f"id {s['id']} is not a numeric snowflake string")
        if s["id"] in by_id:
            errors.append(f"duplicate id {s['id']}")
        by_id[s["id"]] = s
    uris = Counter(s["uri"] for s in statuses)
    errors += [f"duplicate uri {u}" for u, n in uris.items() if n > 1]

    ordered = sorted(statuses, key=lambda s: (s["created_at"], s["id"]))
    for a, b in zip(ordered, ordered[1:]):
        if not (a["created_at"] < b["created_at"] and id_key(a["id"]) < id_key(b["id"])):
            errors.append(f"ids not increasing with created_at: {a['id']} {a['created_at']} / {b['id']} {b['created_at']}")

    direct = defaultdict(list)
    for s in statuses:
        parent_id = s["in_reply_to_id"]
        if parent_id is None:
            if s["in_reply_to_account_id"] is not None:
                errors.append(f"{s['id']}: in_reply_to_account_id without in_reply_to_id")
            continue
        parent = by_id.get(parent_id)
        if parent is None:
            errors.append(f"{s['id']}: in_reply_to_id {parent_id} not in the set")
            continue
        if s["in_reply_to_account_id"] != parent["account"]["id"]:
            errors.append(f"{s['id']}: in_reply_to_account_id does not match the parent's author")
        if s["created_at"] <= parent["created_at"]:
            errors.append(f"{s['id']}: reply is older than its parent")
        direct[parent_id].append(s)
    for s in statuses:
        if s["replies_count"] != len(direct[s["id"]]):
            errors.append(f"{s['id']}: replies_count {s['replies_count']} but {len(direct[s['id']])} replies in the set")

    def root(s):
        while s["in_reply_to_id"]:
            s = by_id[s["in_reply_to_id"]]
        return s["id"]

    labels = {}
    for r in rows:
        if r["uri"] in labels:
            errors.append(f"labels.csv: duplicate uri {r['uri']}")
        labels[r["uri"]] = r
        for dim in ("domain", "community", "practice"):
            if r[dim] not in ("0", "1"):
                errors.append(f"labels.csv: {r['uri']} {dim}={r[dim]!r}")
        if r["split"] not in ("train", "heldout"):
            errors.append(f"labels.csv: {r['uri']} split={r['split']!r}")
        if not r["note"].strip():
            errors.append(f"labels.csv: {r['uri']} has no note")
    errors += [f"status {u} has no label" for u in uris if u not in labels]
    errors += [f"label {u} has no status" for u in labels if u not in uris]

    split_of_thread = defaultdict(set)
    for s in statuses:
        if s["uri"] in labels:
            split_of_thread[root(s)].add(labels[s["uri"]]["split"])
    errors += [f"thread {t} is split across {sorted(v)}" for t, v in split_of_thread.items() if len(v) > 1]

    # The codebook's structural rules for community.
    for s in statuses:
        lab = labels.get(s["uri"])
        if lab is None:
            continue
        me = s["account"]["id"]
        if s["in_reply_to_id"] and s["in_reply_to_account_id"] != me and lab["community"] != "1":
            errors.append(f"{s['uri']}: replies to another person but community=0")
        if s["in_reply_to_id"] is None:
            repliers = {r["account"]["id"] for r in direct[s["id"]]} - {me}
            if len(repliers) >= 2 and lab["community"] != "1":
                errors.append(f"{s['uri']}: drew {len(repliers)} other repliers but community=0")

    # Balance per split and dimension.
    count = Counter()
    threads = Counter()
    for t, v in split_of_thread.items():
        threads[next(iter(v))] += 1
    for r in rows:
        count[(r["split"], "posts")] += 1
        for dim in ("domain", "community", "practice"):
            count[(r["split"], dim, r[dim])] += 1
    print(f"{len(statuses)} statuses, {len(rows)} labels, {len(split_of_thread)} threads, "
          f"{len({s['account']['id'] for s in statuses})} accounts")
    print(f"{'split':8} {'threads':>7} {'posts':>5}  {'domain 1/0':>10}  {'community 1/0':>13}  {'practice 1/0':>12}")
    for split in ("train", "heldout", "all"):
        sel = ("train", "heldout") if split == "all" else (split,)
        n = sum(count[(x, "posts")] for x in sel)
        cells = []
        for dim in ("domain", "community", "practice"):
            ones = sum(count[(x, dim, "1")] for x in sel)
            zeros = sum(count[(x, dim, "0")] for x in sel)
            cells.append(f"{ones}/{zeros}")
        nt = sum(threads[x] for x in sel)
        print(f"{split:8} {nt:>7} {n:>5}  {cells[0]:>10}  {cells[1]:>13}  {cells[2]:>12}")
    combos = Counter(r["domain"] + r["community"] + r["practice"] for r in rows)
    print("code patterns (dcp):", ", ".join(f"{k}={v}" for k, v in sorted(combos.items())))
    langs = Counter(s["language"] for s in statuses)
    print("languages:", ", ".join(f"{k}={v}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1])))

    for e in errors:
        print("ERROR:", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
