"""Content hashes and file sizes of the demo datasets as written by ``mock-pipelines generate``.

Generates every schema in ``schemas/`` to Parquet in a temporary folder with the CLI (a whole process, as a
user runs it), reads each table back and prints its content hash (of the values, not of the file bytes:
:mod:`mock_pipelines.store.content`) and its file size, as JSON. Compare two commits' output to prove that a
change to writing or start-up left the data unchanged and kept the files within a size budget:

    python bench/demo_hashes.py > before.json     # on the old commit
    python bench/demo_hashes.py --compare before.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(fmt: str) -> dict:
    from mock_pipelines.store.content import content_hash
    from mock_pipelines.store.files.table_folder import read_table

    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="mp-hashes-") as tmp:
        for schema in sorted((ROOT / "schemas").glob("*.yaml")):
            subprocess.run([sys.executable, "-m", "mock_pipelines.cli", "generate", str(schema), "--out", tmp,
                            "--format", fmt], check=True, capture_output=True)
        for folder in sorted(Path(tmp).glob("*/*")):
            if not folder.is_dir():
                continue
            files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("_", "."))]
            out[f"{folder.parent.name}.{folder.name}"] = {
                "hash": content_hash(read_table(folder)), "bytes": sum(p.stat().st_size for p in files)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--format", default="parquet")
    ap.add_argument("--compare", type=Path, help="a JSON file written by this script on another commit")
    args = ap.parse_args()
    now = measure(args.format)
    if not args.compare:
        print(json.dumps(now, indent=1, sort_keys=True))
        return
    before = json.loads(args.compare.read_text())
    changed = [t for t in before if before[t]["hash"] != now.get(t, {}).get("hash")]
    size_before = sum(v["bytes"] for v in before.values())
    size_now = sum(v["bytes"] for v in now.values())
    print(f"{'table':<32} {'bytes before':>12} {'bytes now':>12} {'now/before':>10}  data")
    for t in sorted(before):
        b, n = before[t], now.get(t, {"bytes": 0, "hash": None})
        print(f"{t:<32} {b['bytes']:>12,} {n['bytes']:>12,} {n['bytes'] / max(b['bytes'], 1):>10.3f}  "
              f"{'same' if b['hash'] == n['hash'] else 'CHANGED'}")
    print(f"{'total':<32} {size_before:>12,} {size_now:>12,} {size_now / max(size_before, 1):>10.3f}")
    print(f"{len(before) - len(changed)} of {len(before)} tables hold the same data"
          + (f"; changed: {', '.join(changed)}" if changed else ""))
    sys.exit(1 if changed or set(now) != set(before) else 0)


if __name__ == "__main__":
    main()
