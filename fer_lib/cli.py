"""Command line: ``python -m fer_lib COMMAND``."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path


def _replicate(args) -> int:
    from fer_lib.pipeline.notebooks import run_notebooks
    from fer_lib.pipeline.profiles import parse_overrides

    overrides, page_params = parse_overrides(args.set), parse_overrides(args.param)
    if args.reuse:
        from fer_lib.pipeline.experiment import REUSE_ENV

        os.environ[REUSE_ENV] = "reuse"  # the notebooks' kernels inherit it
    if args.seeds:
        from fer_lib.pipeline.notebooks import run_seeds

        record = run_seeds(args.profile, Path(args.out), [int(s) for s in args.seeds.split(",")], overrides=overrides, page_params=page_params,
                           only=args.only)
    else:
        record = run_notebooks(args.profile, Path(args.out), overrides=overrides, page_params=page_params, only=args.only)
    failed = [name for name, r in record.notebooks.items() if r.status != "ok"]
    if not record.notebooks:
        print("no notebook matched", file=sys.stderr)
        return 2
    if failed:
        print(f"failed notebooks: {', '.join(failed)} (executed copies with the error are in {args.out}/notebooks)", file=sys.stderr)
        return 1
    return 0


def _train(args) -> int:
    from fer_lib.pipeline.experiment import run_training, summary_line
    from fer_lib.pipeline.profiles import load_profile, parse_overrides

    params = load_profile(args.profile, parse_overrides(args.set))
    record = run_training(params, Path(args.out), verbose=args.verbose)
    print(summary_line(record) + f"; {args.out}/run.json")
    if record.training.status == "paused":
        print(f"paused by its budget: run the same command again to resume from epoch {record.training.epochs_run + 1}")
    return 0


def _trainings(args) -> int:
    from fer_lib.pipeline import trainings
    from fer_lib.pipeline.profiles import load_profile, parse_overrides

    params = load_profile(args.profile, parse_overrides(args.set))
    if args.list:
        for s in trainings.plan(params):
            print(f"{s.name:<28} {s.page:<20} {s.dataset:<18} {s.split:<16} {s.train.get('epochs')} epochs{'  (exported)' if s.export else ''}")
        return 0
    if args.import_from:
        names = trainings.import_export(args.import_from, args.run or args.out)
        print(f"brought {len(names)} trainings into {args.run or args.out}: {', '.join(names)}")
        return 0
    if args.export:
        if not (args.run or args.out):
            print("error: --export needs --run RUN_DIR", file=sys.stderr)
            return 2
        files = trainings.export(params, args.run or args.out, args.export)
        print(f"exported {len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB, to {args.export}")
        return 0
    if not args.out:
        print("error: --out RUN_DIR is required to run trainings", file=sys.stderr)
        return 2
    records = trainings.run_all(params, args.out, only=args.only, time_budget_s=args.time_budget, verbose=args.verbose)
    waiting = [n for n, r in records.items() if r is None or r.training.status == "paused"]
    if waiting:
        print(f"not finished: {', '.join(waiting)}; run the same command again to continue")
    return 0


def _training_name(name: str) -> str:
    """``name`` when the registry knows the training (argparse reports the error otherwise)."""
    from fer_lib.pipeline.registry import entry

    try:
        return entry(name).name
    except KeyError as exc:
        raise argparse.ArgumentTypeError(exc.args[0]) from None


def _ship_models(args) -> int:
    from fer_lib.pipeline.ship import ship_models

    for name, m in ship_models(args.run, names=tuple(args.only), dest=args.dest).items():
        acc = f"{m['test_accuracy']:.3f}" if m["test_accuracy"] is not None else "n/a"
        print(f"{name}: {m['file']} ({m['bytes'] / 1e6:.1f} MB) from {m['run']}, {m['data']} {m['split']}, "
              f"{m['epochs_run']}/{m['epochs_planned']} epochs ({m['status']}), test accuracy {acc}")
    return 0


def _model_summary(args) -> int:
    from fer_lib.model.networks import build_model, layer_table, parameter_counts

    model = build_model(args.arch, width=args.width)
    counts = parameter_counts(model)
    if args.json:
        print(json.dumps({"arch": args.arch, "width": args.width} | counts))
    else:
        print(layer_table(model).to_string(index=False))
        print(f"Total params: {counts['total']:,}  Trainable: {counts['trainable']:,}  Non-trainable: {counts['non_trainable']:,}")
    return 0


def _book(args) -> int:
    from fer_lib.pipeline.book import audit_book, build_book
    from fer_lib.settings import REPO_ROOT

    html = Path(args.html) if args.html else REPO_ROOT / "_build" / "html"
    if args.html:  # built apart (sources copied beside it), so that one build does not overwrite another
        work = html.parent / f".{html.name}-sources"
        code = build_book(Path(args.run), strict=not args.lenient, workdir=work)
        if code == 0:
            shutil.rmtree(html, ignore_errors=True)
            shutil.copytree(work / "_build" / "html", html)
    else:
        code = build_book(Path(args.run), strict=not args.lenient)
    if code != 0:
        return code
    problems = audit_book(html, Path(args.run))
    for line in problems:
        print(f"book audit: {line}", file=sys.stderr)
    print(f"book audit: {'no absolute path, traceback, unresolved number, nan or stderr output' if not problems else f'{len(problems)} problems'}; "
          f"open {html / 'index.html'}")
    return 1 if problems and not args.lenient else 0


def _data_summary(args) -> int:
    import warnings

    from fer_lib.data.audit import audit
    from fer_lib.data.registry import load_dataset
    from fer_lib.pipeline.provenance import data_fingerprint

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        faces = load_dataset(args.dataset, args.root, seed=args.seed, lenient=args.lenient, use_cache=not args.no_cache)
    splits = faces.meta["split"].replace("", "all")
    report = audit(faces.images, faces.labels)
    summary = {
        "dataset": args.dataset,
        "source": faces.source,
        "total": len(faces),
        "by_split": {str(k): int(v) for k, v in splits.value_counts(sort=False).items()},
        "by_class": {k: int(v) for k, v in faces.class_counts().items()},
        "subjects": int(faces.meta.loc[faces.meta["subject"] != "", "subject"].nunique()),
        "duplicates": {"groups": report.n_groups, "extra_copies": report.extra_copies, "conflicting_label_groups": len(report.conflicting_groups)},
        "blanks": int(len(report.blanks)),
        "problems": int(faces.info.get("n_problems", 0)),
        "warnings": [str(w.message) for w in caught],
        "sha256": data_fingerprint(faces)["sha256"],
    }
    if "paper_total" in faces.info:
        summary["paper_total"] = faces.info["paper_total"]
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{summary['dataset']}: {summary['total']:,} faces, {summary['subjects']:,} subjects ({faces.source})")
        for split, n in summary["by_split"].items():
            print(f"  split {split:<12} {n:>7,}")
        for name, n in summary["by_class"].items():
            print(f"  class {name:<12} {n:>7,}")
        d = summary["duplicates"]
        print(f"  duplicates: {d['groups']:,} groups, {d['extra_copies']:,} extra copies ({d['conflicting_label_groups']:,} with conflicting labels)")
        print(f"  blanks: {summary['blanks']:,}")
        if "paper_total" in summary:
            print(f"  paper's total: {summary['paper_total']:,}")
        if summary["problems"]:
            print(f"  skipped (lenient): {summary['problems']:,} bad items")
        for message in summary["warnings"]:
            print(f"  warning: {message}")
    return 0


def _data_pack(args) -> int:
    from fer_lib.data import bundle
    from fer_lib.data.registry import load_dataset

    names = [n.strip() for n in args.dataset.split(",") if n.strip()]
    sets = {name: load_dataset(name, args.root, bundle=False) for name in names}  # the downloads, never a bundle
    manifest = bundle.pack(sets, args.out, part_bytes=int(args.part_mb * 1_000_000))
    for name in names:
        e = manifest["datasets"][name]
        size = sum(p["bytes"] for p in e["parts"])
        print(f"{name}: {e['n']:,} faces in {len(e['parts'])} part(s), {size / 1e6:.1f} MB, sha256 {e['sha256'][:12]}")
    print(f"read it with FER_DATA_BUNDLE={args.out}")
    return 0


def _readme_table(args) -> int:
    from fer_lib.report.readme import BEGIN, END, SPEED_BEGIN, SPEED_END, headline_table, speed_table, write_readme
    from fer_lib.settings import REPO_ROOT

    if args.write:
        write_readme(REPO_ROOT / "README.md", args.run)
        print(f"README.md: results and speed tables rewritten from {args.run}")
    elif args.speed:
        print(f"{SPEED_BEGIN}\n{speed_table(args.run)}\n{SPEED_END}")
    else:
        print(f"{BEGIN}\n{headline_table(args.run)}\n{END}")
    return 0


def _refresh(args) -> int:
    from fer_lib.pipeline.notebooks import copy_checked_outputs, notebooks, refresh_checked_outputs

    for path in notebooks():
        if not args.only or any(key in path.stem for key in args.only):
            if args.from_run:
                n = copy_checked_outputs(path, Path(args.from_run) / "notebooks" / path.name)
                print(f"{path.name}: {n} checked outputs copied from {args.from_run}")
            else:
                refresh_checked_outputs(path)
                print(f"refreshed {path.name}")
    return 0


def _predict(args) -> int:
    from fer_lib.infer.annotate import annotate_photo
    from fer_lib.infer.predict import expand_inputs, predict_photos
    from fer_lib.model.files import load_model, resolve_model_path

    files = expand_inputs(args.inputs)
    if not files:
        print("error: no image files found in the inputs", file=sys.stderr)
        return 2
    model_path = resolve_model_path(args.model)
    model = load_model(model_path)
    print(f"model: {model_path} ({model.count_params():,} parameters)", file=sys.stderr)
    records = predict_photos(model, files)
    used: set[str] = set()
    for path, record in zip(files, records):
        if args.annotate and record["error"] is None:
            name = path.stem
            while name in used:
                name += "_"
            used.add(name)
            annotate_photo(path, record["faces"], Path(args.annotate) / f"{name}.annotated.png", title=path.name)
        if args.json:
            print(json.dumps(record | {"model": str(model_path)}))
        elif record["error"]:
            print(f"{record['file']}: error: {record['error']}")
        elif not record["faces"]:
            print(f"{record['file']}: no face found")
        else:
            for face in record["faces"]:
                print(f"{record['file']}: box {face['box']} -> {face['label']} ({face['probs'][face['label']]:.2f})")
    failed = [r["file"] for r in records if r["error"]]
    if failed:
        print(f"{len(failed)} of {len(records)} file(s) could not be read: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _export(args) -> int:
    from fer_lib.model.files import EXPORT_TOLERANCE, compare_tflite, export_tflite, load_model, resolve_model_path

    model_path = resolve_model_path(args.model)
    model = load_model(model_path)
    out = export_tflite(model, args.out)
    diff = compare_tflite(model, out)
    ok = diff <= EXPORT_TOLERANCE
    print(f"{model_path} -> {out} ({out.stat().st_size / 1e6:.1f} MB, TFLite float32); max |prob diff| vs Keras {diff:.2e} "
          f"({'within' if ok else 'OVER'} tolerance {EXPORT_TOLERANCE:g})")
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    from fer_lib.pipeline.registry import FERGIT_NETWORKS

    parser = argparse.ArgumentParser(prog="python -m fer_lib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("replicate", help="execute every notebook with papermill into a run folder")
    rep.add_argument("--profile", default="demo", help="profile name (profiles/NAME.yaml) or a YAML path")
    rep.add_argument("--out", required=True, help="run folder, e.g. runs/demo")
    rep.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter (repeatable)")
    rep.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="a page's own parameter, e.g. posed_dir=photos/ (repeatable; an error when no page declares it)")
    rep.add_argument("--only", nargs="*", help="run only notebooks whose name contains one of these")
    rep.add_argument("--seeds", help="comma-separated seeds: one run per seed in OUT/seed-N, then a scorecard over all of them in OUT")
    rep.add_argument("--reuse", action="store_true", help="show the trainings the run folder holds, never train (for trainings run elsewhere)")
    rep.set_defaults(func=_replicate)

    tr = sub.add_parser("train", help="train a model on a profile's data (resumes a paused run in the same --out)")
    tr.add_argument("--profile", default="demo", help="profile name (profiles/NAME.yaml) or a YAML path")
    tr.add_argument("--out", required=True, help="run folder, e.g. runs/NAME")
    tr.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a value, e.g. train.epochs=3 (repeatable)")
    tr.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="Keras progress output")
    tr.set_defaults(func=_train)

    trs = sub.add_parser("trainings", help="run a profile's trainings without the notebooks (any backend), or export/import them")
    trs.add_argument("--profile", default="demo", help="profile name (profiles/NAME.yaml) or a YAML path")
    trs.add_argument("--out", help="run folder whose training/ receives them, e.g. runs/reference")
    trs.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter (repeatable)")
    trs.add_argument("--only", nargs="*", help="only these trainings (see --list), in the order given")
    trs.add_argument("--time-budget", type=float, default=None, metavar="SECONDS", help="stop (resumably) before this much wall time is spent")
    trs.add_argument("--list", action="store_true", help="list the profile's trainings, most important first")
    trs.add_argument("--export", metavar="DIR", help="write the run's training records (and the residual and basic networks, in parts) to DIR")
    trs.add_argument("--import", dest="import_from", metavar="DIR", help="bring an export back into --run")
    trs.add_argument("--run", help="run folder to export from or import into")
    trs.add_argument("--verbose", type=int, default=None, choices=(0, 1, 2),
                     help="Keras' own output (2: a line per epoch) in place of the progress report (epochs, images/s, time left)")
    trs.set_defaults(func=_trainings)

    model = sub.add_parser("model", help="model tools")
    model_sub = model.add_subparsers(dest="model_command", required=True)
    ms = model_sub.add_parser("summary", help="layers and parameter counts of a network")
    ms.add_argument("--arch", choices=("basic", "residual"), default="residual")
    ms.add_argument("--width", type=float, default=1.0, help="filter multiplier (1 = the paper's network)")
    ms.add_argument("--json", action="store_true", help="print one JSON object with total, trainable, non_trainable")
    ms.set_defaults(func=_model_summary)

    book = sub.add_parser("book", help="build the HTML book from an existing run folder (no re-running)")
    book.add_argument("--run", default="runs/demo", help="run folder made by `replicate`")
    book.add_argument("--lenient", action="store_true", help="do not turn warnings into errors")
    book.add_argument("--html", default=None, metavar="DIR", help="write the HTML to DIR (default _build/html), e.g. _build/reference")
    book.set_defaults(func=_book)

    ref = sub.add_parser("refresh-notebooks", help="re-execute source notebooks and store the outputs nbval checks")
    ref.add_argument("--only", nargs="*", help="only notebooks whose name contains one of these")
    ref.add_argument("--from-run", help="copy the checked outputs from this run folder (made with the notebooks' defaults, the smoke profile) instead of re-executing")
    ref.set_defaults(func=_refresh)

    data = sub.add_parser("data", help="data set tools")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    summ = data_sub.add_parser("summary", help="counts by split and class")
    summ.add_argument("--dataset", required=True, help="fer2013, ferplus, ckplus, muxspace, fergit, synthetic or synthetic-ckplus")
    summ.add_argument("--root", default=None, help="data root (default: $FER_DATA_ROOT)")
    summ.add_argument("--seed", type=int, default=0, help="seed of the synthetic sets")
    summ.add_argument("--json", action="store_true", help="print one JSON object")
    summ.add_argument("--lenient", action="store_true", help="skip and report bad items instead of stopping at the first")
    summ.add_argument("--no-cache", action="store_true", help="decode again instead of reading the cache")
    summ.set_defaults(func=_data_summary)

    pack = data_sub.add_parser("pack", help="write real data sets as a portable, checked bundle (PNG parts of at most 40 MB)")
    pack.add_argument("--dataset", required=True, help="comma-separated: fergit,fer2013,ckplus,muxspace,ferplus")
    pack.add_argument("--out", required=True, help="bundle folder")
    pack.add_argument("--root", default=None, help="data root (default: $FER_DATA_ROOT)")
    pack.add_argument("--part-mb", type=float, default=40, help="largest part, MB")
    pack.set_defaults(func=_data_pack)

    pred = sub.add_parser("predict", help="detect the faces in photos and classify their expressions")
    pred.add_argument("inputs", nargs="+", metavar="PHOTO_OR_DIR", help="photo files (any format, judged by content) or folders of them")
    pred.add_argument("--model", default=None, help="a .keras model (default: models/residual.keras, once trained)")
    pred.add_argument("--json", action="store_true", help="one JSON object per file per line")
    pred.add_argument("--annotate", metavar="OUT_DIR", default=None, help="write each photo with boxes, labels and probability bars")
    pred.set_defaults(func=_predict)

    ship = sub.add_parser("ship-models", help="copy a run's trained residual and basic networks to models/ with their provenance")
    ship.add_argument("--run", required=True, help="run folder, e.g. runs/reference")
    ship.add_argument("--dest", default=None, help="destination folder (default: models/)")
    ship.add_argument("--only", nargs="+", default=[n.name for n in FERGIT_NETWORKS], type=_training_name, metavar="TRAINING",
                      help="ship only these trainings' networks (default: residual and basic; the others' entries in models.json stay). "
                           "A paused training's network lets a new machine, which lacks its state/, carry it on (see trainings)")
    ship.set_defaults(func=_ship_models)

    rt = sub.add_parser("readme-table", help="print the README's results table from a run folder's records")
    rt.add_argument("--run", default="runs/reference", help="run folder")
    rt.add_argument("--speed", action="store_true", help="the speed table instead of the results table")
    rt.add_argument("--write", action="store_true", help="rewrite both tables in README.md")
    rt.set_defaults(func=_readme_table)

    exp = sub.add_parser("export", help="export a .keras model to TFLite and check it against Keras")
    exp.add_argument("--model", default=None, help="a .keras model (default: models/residual.keras)")
    exp.add_argument("--out", required=True, help="output file, e.g. models/residual.tflite")
    exp.set_defaults(func=_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from fer_lib.train.lock import FolderBusy

    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, KeyError, FolderBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
