"""config/medmnist_plus.yaml, MedMNIST+'s recipe as a layer (issue 35, item 3): the slices it gives, the dry run
it plans, and the pieces it needs: a ResNet padded to 224 px as MedMNIST+ pads it, a linear head, and their
multi-label kNN (sdoerrich97/rethinking-model-prototyping-MedMNISTPlus @ b34dfc5: config.yaml, train.py,
evaluate.py, utils.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import torch
from conftest import run_config, workflow_copy
from torch import nn

LAYERS = ("config.yaml", "medmnist_plus.yaml", "datasets_plus.yaml")
ENCODERS = ("resnet18", "densenet121", "vit_b_16")
# their config.yaml lines 10-12 (epochs 100, learning_rate 0.0001, batch_size 64); train.py lines 86-87 (timm's
# AdamW, its weight decay 0.01 by default; CosineLRScheduler over the epochs)
THEIR_RECIPE = {
    "epochs": 100,
    "batch_size": 64,
    "optimizer": "adamw",
    "lr": 0.0001,
    "weight_decay": 0.01,
    "schedule": "cosine",
}


def test_the_layer_gives_their_recipe_to_each_protocol():
    run = run_config(*LAYERS)
    assert sorted(run.datasets) == ["pneumonia28", "pneumonia64"]
    for name, ds in run.datasets.items():
        assert ds.data["image_size"] == ds.data["size"]  # the model sees each image at its own size
        assert set(ds.official_jobs) == {(e, "none", t) for e in ENCODERS for t in ("frozen", "end_to_end")}
        for enc in ENCODERS:
            for tuning in ("frozen", "end_to_end"):
                params = ds.official_params(enc, tuning)
                block = params["official"][tuning]
                assert {k: block[k] for k in THEIR_RECIPE} == THEIR_RECIPE, (name, enc, tuning)
                assert params["official"]["select_on"] == "loss"  # train.py line 184: the lowest val loss
                assert params["head"]["hidden"] == []  # timm's classifier: one Linear layer
                assert params["architecture"]["weights"] == "imagenet"  # train.py line 54: pretrained=True
            assert ds.probe_params(enc)["probes"]["medmnist_plus_k"] == 11  # their config.yaml line 21
        assert ds.architecture("resnet18")["pad_to"] == 224


def job_counts(text: str) -> Counter:
    table = text.split("Job stats:")[-1]
    return Counter({m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)})


@pytest.mark.workflow
def test_the_layer_plans_end_to_end_linear_probe_and_knn_jobs(tmp_path):
    """3 encoders x 3 seeds x 2 datasets: an end-to-end and a frozen (linear) official job each, and a probe."""
    work = workflow_copy(tmp_path)
    layers = ["--configfile", *(f"config/{name}" for name in LAYERS)]
    ran = subprocess.run(
        [sys.executable, "-m", "cxrcontrast", "run", "-n", *layers], cwd=work, capture_output=True, text=True
    )
    text = ran.stdout + ran.stderr
    assert ran.returncode == 0, text[-3000:]
    planned = set(re.findall(r"results/(pneumonia\d+)/official/(\w+)/none/(\w+)/seed(\d)/metrics\.json", text))
    datasets, tunings = ("pneumonia28", "pneumonia64"), ("frozen", "end_to_end")
    expected = {(d, e, t, str(s)) for d in datasets for e in ENCODERS for t in tunings for s in range(3)}
    assert planned == expected
    counts = job_counts(text)
    assert counts["official"] == counts["official_evaluate"] == 36
    assert counts["probe"] == counts["classify"] == 18
    assert "pretrain" not in counts  # every encoder state is the ImageNet encoder (pretrain none)
    assert not (work / "results").exists()


def test_a_padded_resnet_takes_torchvisions_stem_and_pads_as_their_transform():
    """pad_to 224: the 28-px input reaches torchvision's 7x7 stem zero-padded to 224 px exactly as their
    ``transforms.Pad((left, top, right, bottom))`` after ``Normalize`` (train.py lines 285-293)."""
    from torchvision import transforms

    from cxrcontrast.models.torchvision_encoders import ResNet18

    torch.manual_seed(0)
    enc = ResNet18(29, pad_to=224).eval()  # 29 px: an odd padding (97 before, 98 after) shows the side
    assert enc.net.conv1.kernel_size == (7, 7) and isinstance(enc.net.maxpool, nn.MaxPool2d)
    x = torch.randn(2, 3, 29, 29)
    their = transforms.Pad((97, 97, 98, 98), fill=0, padding_mode="constant")(x)
    assert their.shape[-1] == 224
    with torch.no_grad():
        assert torch.allclose(enc(x), enc.net(their), atol=1e-6)
    assert ResNet18(28).net.conv1.kernel_size == (3, 3)  # without pad_to: MedMNIST v2's 28-px stem


def test_imagenet_shaped_weights_load_into_a_padded_28px_resnet(tmp_path):
    """An ImageNet-shaped ResNet-18 state dict (made here) fits the padded 28-px ResNet, not the 28-px stem."""
    from torchvision.models import resnet18

    from cxrcontrast.errors import InputError
    from cxrcontrast.models.torchvision_encoders import ResNet18

    path = tmp_path / "resnet18.pth"
    torch.save(resnet18().state_dict(), path)
    ResNet18(28, weights=str(path), pad_to=224)
    with pytest.raises(InputError, match="pad_to: 224"):
        ResNet18(28, weights=str(path))


def test_an_empty_hidden_list_is_one_linear_layer():
    from cxrcontrast.models.heads import ClassifierHead

    head = ClassifierHead.from_block(768, 14, {"hidden": [], "dropout": 0.3}, softmax_output=False)
    assert [type(m) for m in head.net] == [nn.Linear]
    assert (head.net[0].in_features, head.net[0].out_features) == (768, 14)


def test_multilabel_knn_is_their_per_label_majority_of_sklearns_neighbours():
    """Their knn_majority_vote (utils.py lines 135-159) over NearestNeighbors(11, ball_tree) (evaluate.py line 88)."""
    from sklearn.neighbors import NearestNeighbors

    from cxrcontrast.evaluation.probes import majority_knn_multilabel

    rng = np.random.default_rng(0)
    train, query = rng.normal(size=(300, 16)) * 5, rng.normal(size=(50, 16)) * 5
    labels = (rng.random((300, 14)) < 0.3).astype(np.int64)
    labels[:, 0] = 1  # a label every neighbour holds: always on
    _, idx = NearestNeighbors(n_neighbors=11, algorithm="ball_tree").fit(train).kneighbors(query)
    reference = (labels[idx].mean(axis=1) > 0.5).astype(np.int64)
    ours = majority_knn_multilabel(train, labels, query, 11, chunk=7)  # chunks that do not divide 50
    np.testing.assert_array_equal(ours, reference)
    assert ours[:, 0].all() and 0 < ours[:, 1:].sum()


def test_six_of_eleven_is_a_majority_and_five_is_not():
    """Strictly more than half: 6/11 on, 5/11 off (their mean > 0.5); brute force on a line of points."""
    from cxrcontrast.evaluation.probes import majority_knn_multilabel

    train = np.arange(11, dtype=np.float64)[:, None]
    labels = np.zeros((11, 2), dtype=np.int64)
    labels[:6, 0] = 1
    labels[:5, 1] = 1
    np.testing.assert_array_equal(majority_knn_multilabel(train, labels, np.array([[5.0]]), 11), [[1, 0]])


def test_a_padding_other_than_224_is_refused_by_the_config():
    from cxrcontrast.errors import InputError

    with pytest.raises(InputError, match=r"encoders\.resnet18\.pad_to: 112 is not one of \[224\]"):
        run_config(*LAYERS, encoders={"resnet18": {"pad_to": 112}})
