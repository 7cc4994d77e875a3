"""ETL benchmark: full-load rows/s next to ogr2ogr loading the same rows, at several scales.

A scale of k repeats every CSV's data rows k times (names made unique), so reading,
validation, region assignment, geocoding and the database load all grow with k.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.harness import empty_database  # noqa: E402
from etl.load.inputs import JobSettings  # noqa: E402
from etl.load.job import run  # noqa: E402
from etl.read import read_table  # noqa: E402
from layers import registry  # noqa: E402
from layers.config import Config  # noqa: E402
from layers.store.postgis import PostgisStore  # noqa: E402


def scaled_source_dir(source: Path, k: int, into: Path) -> Path:
    """A copy of the source directory whose CSV data rows are repeated k times."""
    for entry in registry.sources():
        src = source / entry.path
        dst = into / entry.path
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():  # the HIRA folder of per-시군구 JSON files: as it is
            shutil.copytree(src, dst, dirs_exist_ok=True)
            continue
        if k == 1 or src.suffix.lower() not in (".csv", ".tsv") or entry.layer == "regions":
            shutil.copyfile(src, dst)
            continue
        table = read_table(src)
        encoding = table.encoding or "utf-8"
        with src.open(encoding=encoding, newline="") as fh:
            records = list(csv.reader(fh, delimiter=table.delimiter or ","))
        header, data = records[: table.header_rows], records[table.header_rows :]
        with dst.open("w", encoding=encoding, newline="", errors="replace") as out:
            writer = csv.writer(out, delimiter=table.delimiter or ",", lineterminator="\n")
            writer.writerows(header)
            for i in range(k):
                for rec in data:
                    # text cells get a copy suffix so ids and names stay unique; numbers stay
                    writer.writerow([_suffix(c, i) for c in rec])
    return into


def _suffix(cell: str, i: int) -> str:
    if i == 0 or not cell.strip():
        return cell
    try:
        float(cell.replace(",", ""))
        return cell
    except ValueError:
        pass
    if ":" in cell or "-" in cell[:5]:
        return cell  # times, dates, phone numbers
    return f"{cell} {i}"


def export_geojsonseq(store: PostgisStore, path: Path) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for layer_id in registry.LAYER_IDS:
            for r in store.features(layer_id):
                props = {
                    k: v
                    for k, v in r.__dict__.items()
                    if k not in ("lon", "lat", "props", "opening_hours")
                }
                props["props"] = json.dumps(r.props, ensure_ascii=False)
                feature = {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                    "properties": props,
                }
                out.write(json.dumps(feature, ensure_ascii=False) + "\n")
                n += 1
    return n


def ogr2ogr_load(path: Path, url: str) -> float:
    u = make_url(url)
    pg = f"PG:host={u.host or '127.0.0.1'} port={u.port or 5432} user={u.username} dbname={u.database}"
    started = time.perf_counter()
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "PostgreSQL",
            pg,
            str(path),
            "-nln",
            "ogr_bench",
            "-overwrite",
            "-lco",
            "GEOMETRY_NAME=geom",
            "-lco",
            "SPATIAL_INDEX=GIST",
            "-a_srs",
            "EPSG:4326",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def bench(source: Path, k: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        src = scaled_source_dir(source, k, Path(tmp) / "src")
        with empty_database() as url:
            store = PostgisStore(url)
            settings = JobSettings(source_dir=src, report_dir=Path(tmp) / "reports")
            started = time.perf_counter()
            reports = run(store, registry.LAYER_IDS, settings)
            etl_s = time.perf_counter() - started
            rows_read = sum(r.rows_read for r in reports)
            loaded = sum(r.loaded for r in reports)
            seq = Path(tmp) / "loaded.geojsonl"
            exported = export_geojsonseq(store, seq)
            store.close()
            ogr_s = ogr2ogr_load(seq, url)
    return {
        "scale": k,
        "rows_read": rows_read,
        "loaded": loaded,
        "etl_s": etl_s,
        "etl_rows_per_s": rows_read / etl_s,
        "ogr_rows": exported,
        "ogr_s": ogr_s,
        "ogr_rows_per_s": exported / ogr_s,
        "ratio": (rows_read / etl_s) / (exported / ogr_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,10", help="comma-separated scale factors")
    parser.add_argument("--source-dir", type=Path, default=Config.from_env().source_dir)
    args = parser.parse_args()
    print(
        "scale  rows read  loaded   ETL s  ETL rows/s  ogr2ogr rows  ogr2ogr s  ogr2ogr rows/s  ratio"
    )
    for k in (int(s) for s in args.scales.split(",")):
        r = bench(args.source_dir, k)
        print(
            f"{r['scale']:>5}  {r['rows_read']:>9,}  {r['loaded']:>6,}  {r['etl_s']:6.1f}  "
            f"{r['etl_rows_per_s']:>10,.0f}  {r['ogr_rows']:>12,}  {r['ogr_s']:9.1f}  "
            f"{r['ogr_rows_per_s']:>14,.0f}  {r['ratio']:5.2f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
