"""Instructions per request of the load mix, counted by valgrind's callgrind: the same count on a busy
and on an idle machine, so two versions of the code can be compared when timings are too noisy. A
script, not a test; it prints the figures. Needs valgrind (Debian package `valgrind`).

    python benches/load/instructions.py                          # dashboard, lesson page, Tandai selesai
    python benches/load/instructions.py --requests "answer save" --count 50
    python benches/load/instructions.py --database sqlite

It builds the data of benches/load/cost.py once, then runs this script again under
`valgrind --tool=callgrind` (PYTHONHASHSEED=0) in a child mode that logs one participant in, makes 20 of
each request of the mix, then --count of one kind: the instructions per request are the difference
between that run's total and the total of a run with none, divided by --count. Keep --count at 50 or
more: the two totals also differ by some tens of millions of instructions that are not the requests'
(with --count 3 the dashboard came out at 21.7 M instead of 29.4 M). Each run under callgrind takes a
few minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benches.load.cost import build, logged_in_actions, use_environment  # noqa: E402

WARM_UP = 20


def child(people_file: str, name: str | None, count: int) -> None:
    from kopedu import create_app

    app = create_app("production")
    actions = logged_in_actions(app, json.loads(Path(people_file).read_text())[0])
    for _ in range(WARM_UP):
        for action in actions.values():
            action()
    for _ in range(count):
        response = actions[name]()
        assert response.status_code == 200, (name, response.status_code)


def instructions(people_file: Path, name: str | None, count: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--child", str(people_file), "--count", str(count)]
    if name is not None:
        command += ["--requests", name]
    run = subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": "0"}, cwd=ROOT,
                         capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"the callgrind run failed:\n{run.stderr[-3000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--requests", default="dashboard,lesson page,Tandai selesai",
                        help="comma-separated names of the mix's requests (as benches/load/cost.py prints them)")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests if args.count else None, args.count)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")

    work = Path(tempfile.mkdtemp(prefix="kopedu-instructions-"))
    env, people = build(args.database, work)
    use_environment(env)
    people_file = work / "people.json"
    people_file.write_text(json.dumps(people))
    base = instructions(people_file, None, 0)
    print(f"## Instructions per request ({args.database}, callgrind, {args.count} requests after "
          f"{WARM_UP} of each)\n")
    print("| request | instructions per request |")
    print("|---|---:|")
    for name in [part.strip() for part in args.requests.split(",") if part.strip()]:
        total = instructions(people_file, name, args.count)
        print(f"| {name} | {(total - base) / args.count / 1e6:.2f} M |", flush=True)


if __name__ == "__main__":
    main()
