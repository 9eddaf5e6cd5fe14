"""``usage-reports usage`` and ``usage-reports charges``: thin shells over ``usage_reports.usage``.

    usage-reports usage usage/2026-10 usage/2026-11 --months
    usage-reports usage s3://bucket/usage/2026-11 --format parquet -o s3://bucket/tables/usage-2026-11.parquet
    usage-reports charges usage/2026-11 --rates rates.toml -o charges-2026-11.parquet

Exit status: 0 every file read (and priced); 1 a file was refused (changed
since its manifest, a documented column missing, a value that is not a
number): the others are still read and written; 2 bad input: no manifest in a
FOLDER, a bad option or rate card, a metric without a price (nothing written),
or the ``[data]`` extra missing.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .._measures import MeasuredUsage
from .._providers import providers
from ..destinations import _storage as storage
from ._args import add_examples
from ._output import PROG, Output, UsageError, print_rows

if TYPE_CHECKING:
    from ..usage import UsageTable
    from ..usage._frame import Frame

FORMATS: Final = ("table", "csv", "json", "parquet")
GROUPINGS: Final = ("provider", "account", "tenant", "metric")
#: The largest tenants a chart shows per metric (the rest are in the table).
CHART_TENANTS: Final = 20
EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2


def _by(text: str) -> list[str]:
    keys = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [key for key in keys if key not in GROUPINGS]
    if unknown or not keys:
        raise argparse.ArgumentTypeError(
            f"unknown grouping {', '.join(map(repr, unknown)) or '(none)'}; choose from {', '.join(GROUPINGS)}"
        )
    return keys


def _parser(commands: Any, name: str, parents: Sequence[argparse.ArgumentParser], **kwargs: Any) -> Any:
    parser = commands.add_parser(
        name, parents=list(parents), formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs
    )
    if not parents:  # the lead's common options (--json, -q, -v, --log-format) are not there: their defaults
        parser.set_defaults(json=False, quiet=False, verbose=0, log_format="text")
    return parser


def _output_options(parser: argparse.ArgumentParser, default_name: str) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="table (the default on a terminal), csv (the default otherwise), json (an array of objects) or parquet; "
        f"with -o, the default follows its extension ({default_name}.parquet, .csv, .json, .txt; another "
        "extension is refused)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="DEST",
        help="a file or an s3:// (gs://, az://) URL, replaced whole (default: stdout; parquet needs -o)",
    )


def add_usage_commands(
    subparsers: argparse._SubParsersAction[Any], *, parents: Sequence[argparse.ArgumentParser] = ()
) -> None:
    """Add ``usage`` and ``charges`` to the program's subcommands (``parents``: the common options, if any)."""
    usage = _parser(
        subparsers,
        "usage",
        parents,
        help="the usage of run folders as one table (month over month with --months)",
        description="Read the manifests fetch-all wrote in each FOLDER and every file they list whose numbers the "
        f"vendor documents ({_documented()}) into one table, one row per measured quantity: provider, account_id, "
        "tenant_id, tenant_name, period_start, period_end, day, metric, quantity, unit, dimensions, source_path, "
        "source_sha256. Other files (reports of undocumented structure, PDFs) are listed, never parsed. A file "
        "changed since its manifest, or a CSV missing a documented column, is refused by name and none of its rows "
        "written; the others are (exit 1). Needs pip install 'usage-reports[data]'.",
    )
    usage.add_argument("folders", nargs="+", metavar="FOLDER", help="a run folder (fetch-all's --out-dir) or URL")
    _output_options(usage, "usage")
    usage.add_argument(
        "--by",
        type=_by,
        metavar="KEYS",
        help=f"sum per group and month, grouped by a comma list of {', '.join(GROUPINGS)} (e.g. tenant,metric)",
    )
    usage.add_argument(
        "--months",
        action="store_true",
        help="month over month: a column per month (2026-10, 2026-11...), then change and change_pct "
        "(grouped by --by, default tenant,metric)",
    )
    usage.add_argument(
        "--chart",
        metavar="FILE.png",
        type=lambda text: Path(text).expanduser(),
        help=f"also draw a bar chart per tenant per month (the {CHART_TENANTS} largest tenants of each metric)",
    )
    add_examples(
        usage,
        ("two months of usage as a table", f"{PROG} usage usage/2026-10 usage/2026-11"),
        ("month over month per tenant and metric, with a chart", f"{PROG} usage usage/* --months --chart usage.png"),
        ("the tidy table as Parquet, for a warehouse", f"{PROG} usage usage/2026-11 -o usage-2026-11.parquet"),
        ("monthly sums per tenant as CSV", f"{PROG} usage usage/2026-10 usage/2026-11 --by tenant --format csv"),
    )
    usage.set_defaults(handler=run_usage)

    charges = _parser(
        subparsers,
        "charges",
        parents,
        help="the usage priced by your rate card, in FOCUS 1.2 columns (Parquet or CSV)",
        description="Price the usage of each FOLDER (see 'usage') with the rate card RATES.toml: one FOCUS 1.2 "
        "charge row per priced usage row, costs as exact decimals. A metric present in the usage that is neither "
        "priced nor listed in not_billed is refused by name (exit 2, nothing written). A rate card:\n\n"
        + example_rate_card()
        + "\nNeeds pip install 'usage-reports[data]'.",
    )
    charges.add_argument("folders", nargs="+", metavar="FOLDER", help="a run folder (fetch-all's --out-dir) or URL")
    charges.add_argument("--rates", required=True, type=Path, metavar="RATES.toml", help="your rate card (see above)")
    _output_options(charges, "charges")
    add_examples(
        charges,
        (
            "November's charges in FOCUS, as Parquet",
            f"{PROG} charges usage/2026-11 --rates rates.toml -o charges.parquet",
        ),
        ("the same as CSV, into a bucket", f"{PROG} charges usage/2026-11 --rates rates.toml -o s3://b/charges.csv"),
    )
    charges.set_defaults(handler=run_charges)


def _measured() -> list[tuple[str, str, MeasuredUsage]]:
    """(registry name, title, measured usage) of every provider that documents numbers, in registry order."""
    found = []
    for provider in providers():
        service = getattr(provider, "usage", None)
        if isinstance(service, MeasuredUsage):
            found.append((provider.name, provider.title, service))
    return found


def _documented() -> str:
    return ", ".join(
        f"{title} {reader.kind.replace('_', ' ')}" for _, title, service in _measured() for reader in service.readers
    )


def example_rate_card() -> str:
    """A commented rate card for the providers with measured usage (placeholder prices: yours go there)."""
    lines = [
        'currency = "EUR"',
        'invoice_issuer = "Acme White Label GmbH"   # who bills the tenants (default: the vendor)',
    ]
    for name, _, service in _measured():
        lines.append(f"[{name}]")
        metrics = service.metrics()
        for metric in metrics[:2]:
            unit = metric.unit.removesuffix("s")
            lines.append(f"{metric.name} = 0.0001   # price per {unit} of {metric.description}")
        if len(metrics) > 2:
            names = ", ".join(f'"{m.name}"' for m in metrics[2:])
            lines.append(f"not_billed = [{names}]   # measured, deliberately not charged")
    first = next(iter(_measured()), None)
    if first is not None:
        lines.append(f"[{first[0]}.tenants.7]   # optional per-tenant overrides")
        lines.append(f"{first[2].metrics()[0].name} = 0.00008")
    return "".join(f"  {line}\n" for line in lines)


# --- handlers --------------------------------------------------------------------------------------------------


#: What a destination's extension chooses when --format is not given (no extension: CSV).
_SUFFIXES = {"csv": "csv", "parquet": "parquet", "json": "json", "txt": "table"}


def _format(args: argparse.Namespace, out: Output) -> str:
    if args.format:
        chosen: str = args.format
    elif args.output:
        name = str(args.output).rstrip("/").rsplit("/", 1)[-1]
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""
        if suffix and suffix not in _SUFFIXES and not suffix.isdigit():  # report.xlsx would get CSV bytes
            raise UsageError(
                f"-o {args.output}: .{suffix} is not a format this writes; end the name in .csv, .json, .parquet "
                "or .txt (a table), or give --format"
            )
        chosen = _SUFFIXES.get(suffix, "csv")
    else:
        chosen = "table" if out.stdout.isatty() else "csv"
    if chosen == "parquet" and not args.output:
        raise UsageError("--format parquet: give -o DEST (a file or an s3:// URL)")
    return chosen


def _load(args: argparse.Namespace, out: Output) -> UsageTable:
    from ..usage import UsageTable

    table = UsageTable.from_folders(args.folders, strict=False)
    for problem in table.problems:
        out.error(f"refused {problem}")
    listed = table.files()
    if listed:
        kinds = sorted({f"{f.provider} {f.kind}" for f in listed})
        out.note(f"listed, not parsed (no documented structure): {len(listed)} files ({', '.join(kinds)})")
    return table


def _show(value: object) -> str:
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return "" if value is None else str(value)


def _emit(frame: Frame, chosen: str, args: argparse.Namespace, out: Output) -> int:
    """The frame in the chosen format, to -o or stdout; the number of rows."""
    if chosen == "table":
        rows: list[dict[str, object]] = [{name: _show(value) for name, value in row.items()} for row in frame.rows()]
        buffer = io.StringIO()
        if rows:
            print_rows(rows, tuple(rows[0]), buffer)
        else:
            print("(no rows)", file=buffer)
        if args.output:
            storage.write_text_atomic(args.output, buffer.getvalue())
        elif not out.json and not out.quiet:
            out.stdout.write(buffer.getvalue())
        return len(rows)
    if args.output:
        {"csv": frame.to_csv, "json": frame.to_json, "parquet": frame.to_parquet}[chosen](args.output)
        return len(frame)
    from ..usage._frame import COPY_OPTIONS

    with tempfile.TemporaryDirectory(prefix="usage-reports-") as folder:
        rendered = Path(folder) / "out"
        frame.copy_to(str(rendered), COPY_OPTIONS[chosen])
        if not out.json:
            out.stdout.write(rendered.read_text(encoding="utf-8"))
            out.stdout.flush()
    return len(frame)


def _failure(exc: BaseException, out: Output) -> int | None:
    """The exit status of an error of ``usage_reports.usage`` (reported), or None for any other."""
    from ..usage import DataExtraMissing, FolderError, RateCardError, UnpricedMetric

    if isinstance(exc, FolderError | RateCardError | UnpricedMetric | DataExtraMissing):
        return out.fail(exc, EXIT_USAGE)
    if isinstance(exc, ValueError):  # a destination or a --by the library refused (InvalidRequest is one)
        return out.fail(exc, EXIT_USAGE)
    return None


def run_usage(args: argparse.Namespace, out: Output) -> int:
    try:
        chosen = _format(args, out)
        if args.chart is not None:
            if storage.is_remote(str(args.chart)) or not args.chart.parent.is_dir():
                raise UsageError(f"--chart {args.chart}: give a PNG file in an existing local folder")
            _require_matplotlib()
        with _load(args, out) as table:
            frame: Frame
            if args.months:
                frame = table.month_over_month(by=args.by or ("tenant", "metric"))
            elif args.by:
                frame = table.totals(by=args.by)
            else:
                frame = table
            count = _emit(frame, chosen, args, out)
            if args.chart is not None:
                draw_chart(table, args.chart)
                out.note(f"chart: {args.chart}")
            code = EXIT_FAILED if table.problems else EXIT_OK
            out.result(
                {
                    "ok": code == EXIT_OK,
                    "exit_code": code,
                    "rows": count,
                    "output": str(args.output) if args.output else None,
                    "format": chosen,
                    "refused": [{"path": p.path, "reason": p.reason} for p in table.problems],
                    "listed": [f.path for f in table.files()],
                }
            )
            return code
    except Exception as exc:
        failed = _failure(exc, out)
        if failed is None:
            raise
        return failed


def run_charges(args: argparse.Namespace, out: Output) -> int:
    try:
        chosen = _format(args, out)
        from ..usage import RateCard

        rate_card = RateCard.load(args.rates)  # before any folder is read: a bad card costs nothing
        with _load(args, out) as table:
            charges = table.charges(rate_card)  # UnpricedMetric before anything is written
            count = _emit(charges, chosen, args, out)
            code = EXIT_FAILED if table.problems else EXIT_OK
            out.result(
                {
                    "ok": code == EXIT_OK,
                    "exit_code": code,
                    "rows": count,
                    "output": str(args.output) if args.output else None,
                    "format": chosen,
                    "currency": rate_card.currency,
                    "refused": [{"path": p.path, "reason": p.reason} for p in table.problems],
                }
            )
            if args.output:
                out.note(f"{count} charges ({rate_card.currency}) written to {args.output}")
            return code
    except Exception as exc:
        failed = _failure(exc, out)
        if failed is None:
            raise
        return failed


def demo_usage(folder: Path, out: Output) -> None:
    """The demo's last step: the usage of its run folder month over month, and a FOCUS charges file priced by
    the example rate card (``rates.example.toml`` and ``charges.parquet`` beside the reports).

    Without the ``[data]`` extra, one line saying what to install instead.
    """
    from ..usage import DataExtraMissing, UsageDataError

    try:
        from ..usage import RateCard, UsageTable

        rates = folder / "rates.example.toml"
        rates.write_text("\n".join(line.strip() for line in example_rate_card().splitlines()) + "\n", "utf-8")
        with UsageTable.from_folders([folder], strict=False) as table:
            view = table.month_over_month(("tenant", "metric"))
            rows: list[dict[str, object]] = [{k: _show(v) for k, v in r.items()} for r in view.rows()]
            if rows and not out.quiet and not out.json:
                out.text()
                print_rows(rows, tuple(rows[0]), out.stdout)
            charges = table.charges(RateCard.load(rates))
            charges.to_parquet(folder / "charges.parquet")
            out.note(f"usage: {len(table)} rows; charges in FOCUS 1.2: {folder / 'charges.parquet'} ({rates.name})")
    except DataExtraMissing as exc:
        out.note(f"usage table and charges: {exc}")
    except UsageDataError as exc:
        out.error(f"usage table: {exc}")


# --- the chart --------------------------------------------------------------------------------------------------


def _require_matplotlib() -> None:
    from ..usage import DataExtraMissing

    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise DataExtraMissing(f"--chart needs matplotlib ({exc}); pip install 'usage-reports[data]'") from None


def draw_chart(table: UsageTable, path: Path) -> None:
    """A PNG: one panel per metric, a group of bars per tenant (the largest of the last month), a bar per month."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    view = table.month_over_month(by=("tenant", "metric"))
    months = view.months
    panels: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in view.rows():
        panels.setdefault((row["metric"], row["unit"]), []).append(row)
    figure, axes = plt.subplots(max(len(panels), 1), 1, figsize=(12, 3.5 * max(len(panels), 1)), squeeze=False)
    for axis, ((metric, unit), rows) in zip(axes[:, 0], sorted(panels.items()), strict=False):
        last = months[-1] if months else None
        rows = sorted(rows, key=lambda r: -(r.get(last) or 0) if last else 0)[:CHART_TENANTS]
        labels = [str(r.get("tenant_name") or r.get("tenant_id") or r.get("account_id")) for r in rows]
        width = 0.8 / max(len(months), 1)
        for index, month in enumerate(months):
            values = [float(r.get(month) or 0) for r in rows]  # drawing only: the table keeps the decimals
            axis.bar([i + index * width for i in range(len(rows))], values, width, label=month)
        middle = (len(months) - 1) * width / 2
        axis.set_xticks([i + middle for i in range(len(rows))], labels, rotation=30, ha="right")
        axis.set_title(f"{metric} ({unit}) per tenant and month")
        axis.set_ylabel(unit)
        axis.legend(fontsize="small")
    if not panels:
        axes[0, 0].set_title("no usage")
    figure.tight_layout()
    try:
        figure.savefig(path, format="png")
    finally:
        plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``usage`` or ``charges`` alone (for tests and until the program's parser adds them)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON result object on stdout")
    common.add_argument("-q", "--quiet", action="store_true", help="no text on success")
    common.add_argument("--log-format", choices=("text", "json"), default="text", help="error lines on stderr")
    parser = argparse.ArgumentParser(prog=PROG)
    commands = parser.add_subparsers(dest="command", required=True)
    add_usage_commands(commands, parents=[common])
    args = parser.parse_args(argv)
    out = Output(
        json_output=args.json, quiet=args.quiet, stdout=sys.stdout, stderr=sys.stderr, log_format=args.log_format
    )
    try:
        code: int = args.handler(args, out)
    except UsageError as exc:
        return out.fail(exc, EXIT_USAGE)
    return code


if __name__ == "__main__":
    sys.exit(main())
