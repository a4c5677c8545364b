import numpy as np

from fer_lib.data.synthetic import generate_faces
from fer_lib.model.networks import build_model
from fer_lib.train.gradcam import grad_cam, region_shares


def test_grad_cam_maps_are_face_sized_normalised_and_class_specific():
    model = build_model("residual", width=0.25, seed=1)
    faces = generate_faces(4, seed=2).images
    cams = grad_cam(model, faces)
    assert cams.shape == (4, 48, 48) and cams.min() >= 0 and cams.max() <= 1 + 1e-6
    assert np.allclose(cams.reshape(4, -1).max(1), 1)  # every face has evidence, each map scaled to its own peak
    other = grad_cam(model, faces, classes=np.array([0, 1, 2, 3]))
    assert other.shape == cams.shape and not np.allclose(other, grad_cam(model, faces, classes=np.array([6, 6, 6, 6])))


def test_region_shares_sum_to_at_most_one_and_find_a_planted_mouth():
    cams = np.zeros((2, 48, 48))
    cams[:, 35:40, 15:33] = 1.0  # all the heat on the mouth
    shares = region_shares(cams)
    assert shares["mouth"] > 0.99 and shares["nose"] < 0.01 and sum(shares.values()) <= 1.0 + 1e-9


def test_a_face_without_positive_evidence_is_named_in_the_figure_not_drawn_as_a_flat_map():
    from fer_lib.report.figures import gradcam_figure

    faces = generate_faces(2, seed=2).images
    cams = np.zeros((2, 48, 48))
    cams[0, 10:20, 10:20] = 1.0
    fig = gradcam_figure(faces, cams, ["a", "b"])
    notes = [[t.get_text() for t in ax.texts] for ax in fig.axes[2:4]]  # the heat-map row
    assert notes == [[], ["no positive\nevidence at\nthis layer"]]


def test_the_band_shares_are_set_beside_the_bands_areas_so_an_even_map_shows_no_focus():
    """An evenly spread heat map puts in each band its share of the face (rows 8-22, 22-31, 31-44 of
    48): the sentence says no band stands out; a map planted on the mouth favours the mouth band."""
    from fer_lib.report.claims import gradcam_sentence
    from fer_lib.train.gradcam import band_areas

    areas = band_areas()
    assert areas == {"brows and eyes": 14 / 48, "nose": 9 / 48, "mouth": 13 / 48}
    even = region_shares(np.ones((3, 48, 48)))
    assert all(abs(even[b] - areas[b]) < 1e-6 for b in areas)
    text = gradcam_sentence(even, areas)
    assert "29% on the brows and eyes band (29% of the face)" in text and "25% on the rows above and below them (25%)" in text
    assert "between 1.00 and 1.00 times its share" in text and "show no focus" in text
    cams = np.full((2, 48, 48), 0.1)
    cams[:, 35:40, 15:33] = 1.0
    text = gradcam_sentence(region_shares(cams), areas)
    assert "the maps favour the mouth band (" in text and "give less to the brows and eyes band" in text and "show no focus" not in text
    empty = np.concatenate([cams, np.zeros((2, 48, 48))])  # two maps without positive evidence: no shares, not zero shares
    assert region_shares(empty) == region_shares(cams)
    assert gradcam_sentence(region_shares(empty), areas, 4, 2).startswith("Over the 2 of 4 test faces whose map has any positive evidence, ")
    assert gradcam_sentence(region_shares(np.zeros((2, 48, 48))), areas, 2, 2).startswith("No test face's map has any positive evidence")
    only_less = {"brows and eyes": 0.1, "nose": 0.19, "mouth": 0.27}
    assert "the maps give no band markedly more than its share, and give less to the brows and eyes band" in gradcam_sentence(only_less, areas)
