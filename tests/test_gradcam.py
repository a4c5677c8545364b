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
