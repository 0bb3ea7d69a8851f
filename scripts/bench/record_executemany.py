#!/usr/bin/env python3
"""Python sqlite3 baseline for `gapdb-bench record`: the same workload into the same schema.

R runs x E epochs x V measure values. Each run: one experiment get-or-create, one run row with
10 hyperparameters; each epoch: one epoch_metric row plus V measure_value rows inserted with
executemany, one transaction (BEGIN IMMEDIATE ... COMMIT) per epoch. WAL, synchronous=NORMAL,
foreign_keys=ON, exactly as gapdb opens a store. Values are generated before the timer starts.

Variants:
  per_epoch  one commit per epoch (the recorder's workload)
  bulk       everything in one transaction (the executemany limit)

Prints one JSON object per variant on stdout:
  {"variant": "per_epoch", "values": 2000000, "seconds": 3.1, "values_per_s": 645000,
   "cpu_seconds": 2.9, "values_per_cpu_s": 690000}

Usage: record_executemany.py --schema schema/current.sql --db /tmp/x.sqlite --runs 200 --epochs 100 --values 100
"""
import argparse
import json
import os
import sqlite3
import time


def remove(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def run_variant(variant, args, schema_sql, values):
    remove(args.db)
    con = sqlite3.connect(args.db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.executescript(schema_sql)
    con.executemany("INSERT INTO measure (id, name) VALUES (?, ?)", [("m%d" % i, "m%d" % i) for i in range(args.values)])
    now = "2026-01-01T00:00:00.000Z"
    t0 = time.perf_counter()
    c0 = time.process_time()
    if variant == "bulk":
        con.execute("BEGIN IMMEDIATE")
    for r in range(args.runs):
        if variant == "per_epoch":
            con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO experiment (name, created_at) VALUES ('bench', ?) ON CONFLICT (name) DO NOTHING", (now,))
        (eid,) = con.execute("SELECT id FROM experiment WHERE name = 'bench'").fetchone()
        cur = con.execute(
            "INSERT INTO run (experiment_id, uuid, name, status, started_at, heartbeat_at, host, config)"
            " VALUES (?, ?, ?, 'running', ?, ?, 'bench', '{}')",
            (eid, "%036d" % r, "run%d" % r, now, now))
        run_id = cur.lastrowid
        con.executemany(
            "INSERT INTO hyperparameter (run_id, key, value_type, value, value_text) VALUES (?, ?, 'real', ?, ?)",
            [(run_id, "h%d" % k, 0.1 * k, repr(0.1 * k)) for k in range(10)])
        if variant == "per_epoch":
            con.execute("COMMIT")
        for e in range(args.epochs):
            if variant == "per_epoch":
                con.execute("BEGIN IMMEDIATE")
            con.execute(
                "INSERT INTO epoch_metric (run_id, epoch, step, train_loss, test_loss, train_error, test_error,"
                " nan_columns, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?)",
                (run_id, e, e * 100, 1.0 / (1 + e), 1.1 / (1 + e), 0.1, 0.2, now))
            row = values[e]
            con.executemany(
                "INSERT INTO measure_value (run_id, epoch, measure_id, value, value_kind) VALUES (?, ?, ?, ?, 'finite')",
                [(run_id, e, name, v) for name, v in row])
            con.execute("UPDATE run SET heartbeat_at = ? WHERE id = ? AND status = 'running'", (now, run_id))
            if variant == "per_epoch":
                con.execute("COMMIT")
    if variant == "bulk":
        con.execute("COMMIT")
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
    (count,) = con.execute("SELECT count(*) FROM measure_value").fetchone()
    con.close()
    remove(args.db)
    n = args.runs * args.epochs * args.values
    assert count == n, (count, n)
    return {"variant": variant, "values": n, "seconds": round(dt, 3), "values_per_s": round(n / dt),
            "cpu_seconds": round(cpu, 3), "values_per_cpu_s": round(n / cpu)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--values", type=int, default=100)
    ap.add_argument("--variants", default="per_epoch,bulk")
    args = ap.parse_args()
    with open(args.schema, encoding="utf-8") as f:
        schema_sql = f.read()
    values = [[("m%d" % i, (e + 1) * 0.001 * (i + 1)) for i in range(args.values)] for e in range(args.epochs)]
    for variant in args.variants.split(","):
        print(json.dumps(run_variant(variant, args, schema_sql, values)), flush=True)


if __name__ == "__main__":
    main()
