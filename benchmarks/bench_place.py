"""Place and time mac16 with the default backend, from a cold cache.

Targets (issue #4, 2-core machine): the whole flow -- synthesis, timing before
placement, placement, wire parasitics, timing after placement, picture -- in
<= 60 s wall time; and the pre- vs post-placement WNS difference, reported (the
wires' cost on the worst path).

    .venv/bin/python benchmarks/bench_place.py [--design mac16] [--route] [--repeat 1]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chipchat.place.backends import get_backend  # noqa: E402
from chipchat.place.flow import PlaceOptions, run_placement  # noqa: E402

TARGET_S = 60.0


def one_run(design_name: str, route: bool) -> tuple[float, dict[str, object]]:
    from chipchat.rtl.load import load_design

    with tempfile.TemporaryDirectory(prefix="bench_place_") as tmp:
        root = Path(tmp) / design_name
        shutil.copytree(REPO / "designs" / design_name, root, ignore=shutil.ignore_patterns(".chipchat"))
        design = load_design(root)
        t0 = time.monotonic()
        report = run_placement(design, PlaceOptions(route=route))
        wall = time.monotonic() - t0
        return wall, report.to_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", default="mac16")
    parser.add_argument("--route", action="store_true", help="also route with qrouter (not part of the target)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    backend = get_backend("auto").name
    print(f"placing {args.design} with the default backend ({backend}), cold cache, {args.repeat} run(s)")
    walls = []
    data: dict[str, object] = {}
    for _ in range(args.repeat):
        wall, data = one_run(args.design, args.route)
        walls.append(wall)
    wall = statistics.median(walls)
    stages = data["stage_seconds"]
    assert isinstance(stages, dict)
    width = max(len(s) for s in stages)
    for stage, seconds in stages.items():
        print(f"  {stage:<{width}}  {seconds:6.2f} s")
    status = "OK" if wall <= TARGET_S else "MISSED"
    if args.route:
        status = "(the target is for the default flow, without routing)"
    print(f"wall time (median)          {wall:6.1f} s   target <= {TARGET_S:.0f} s   {status}")
    print(f"worst slack, synthesis      {data['pre_worst_slack']:+.3f} ns")
    print(f"worst slack, placed         {data['worst_slack']:+.3f} ns   ({data['parasitics']})")
    print(f"difference (wires)          {data['slack_delta']:+.3f} ns")
    print(f"WNS synthesis -> placed     {data['pre_wns']:+.3f} -> {data['wns']:+.3f} ns "
          f"(delta {data['wns_delta']:+.3f} ns); TNS {data['pre_tns']:+.3f} -> {data['tns']:+.3f} ns")
    print(f"cells {data['cells']}, utilization {data['utilization']:.1%}, HPWL {data['hpwl_um']:,.0f} um"
          + (f", routed {data['routed_wirelength_um']:,.0f} um" if data.get("routed_wirelength_um") else ""))
    return 0 if wall <= TARGET_S or args.route else 1


if __name__ == "__main__":
    sys.exit(main())
