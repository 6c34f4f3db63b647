"""The multi-label objectives (issue 36 item 1): each loss against a double loop of its formula, the
label-balanced sampler against the finding frequencies its definition implies, one epoch through the stage."""

import csv
import math

import numpy as np
import pytest
import torch
from conftest import DEMO_ENTRY, config
from torch.nn import functional as F
from training_helpers import pretrain_params

from cxrcontrast.errors import InputError
from cxrcontrast.training.batches import LabelBalancedBatches
from cxrcontrast.training.multilabel_losses import MulSupCon, SupConJaccard
from cxrcontrast.training.objective import build_objective


def multi_hot_batch(seed: int, images: int = 10, findings: int = 5):
    """Two views of ``images`` images (rows 0..B-1 and B..2B-1) with random multi-hot labels, made to hold
    "no finding" rows and a finding no other image has; embeddings in float64."""
    g = torch.Generator().manual_seed(seed)
    y = (torch.rand(images, findings, generator=g) < 0.3).long()
    y[:3] = 0  # three "no finding" images
    y[3] = 0
    y[3, findings - 1] = 1  # the only image with the last finding
    y[4:, findings - 1] = 0
    z = torch.randn(2 * images, 8, generator=g, dtype=torch.float64)
    return z, torch.cat([y, y])


def log_p(z: torch.Tensor, i: int, j: int, t: float) -> float:
    """log of exp(s_ij) / sum_{k != i} exp(s_ik), s = cosine / t, written out."""
    u = [[x / math.sqrt(sum(x * x for x in v)) for x in v] for v in z.tolist()]
    s = [sum(a * b for a, b in zip(u[i], u[k])) / t for k in range(len(u))]
    return s[j] - math.log(sum(math.exp(s[k]) for k in range(len(u)) if k != i))


def jaccard(a: list[int], b: list[int]) -> float:
    union = sum(x or y for x, y in zip(a, b))
    return 1.0 if union == 0 else sum(x and y for x, y in zip(a, b)) / union  # no finding ~ no finding: 1


def supcon_jaccard_reference(z, y, t: float) -> float:
    y, losses = y.tolist(), []
    for i in range(len(y)):
        weights = {j: jaccard(y[i], y[j]) for j in range(len(y)) if j != i}
        total = sum(weights.values())
        if total > 0:  # an anchor without a positive adds nothing
            losses.append(-sum(w * log_p(z, i, j, t) for j, w in weights.items() if w > 0) / total)
    return sum(losses) / len(losses) if losses else 0.0


def mulsupcon_reference(z, y, t: float) -> float:
    y, losses = y.tolist(), []
    for i in range(len(y)):
        for c in range(len(y[i])):
            if not y[i][c]:
                continue
            positives = [j for j in range(len(y)) if j != i and y[j][c]]
            if positives:
                losses.append(-sum(log_p(z, i, j, t) for j in positives) / len(positives))
    return sum(losses) / len(losses) if losses else 0.0


CASES = [(SupConJaccard, supcon_jaccard_reference), (MulSupCon, mulsupcon_reference)]


@pytest.mark.parametrize("loss, reference", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("t", [0.1, 0.5])
def test_loss_is_its_formula_on_two_views_of_multi_hot_images(loss, reference, seed, t):
    z, y = multi_hot_batch(seed)
    assert loss(t)(z, y).item() == pytest.approx(reference(z, y, t), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("loss, reference", CASES)
def test_anchors_without_a_positive_and_no_finding_rows(loss, reference):
    """One view per image: the images with a finding nobody else has have no positive; rows of zeros
    are positives of each other (SupCon-Jaccard) or never anchors (MulSupCon)."""
    z, y = multi_hot_batch(3)
    z, y = z[:10], y[:10]
    value = loss(0.2)(z, y)
    assert math.isfinite(value.item())
    assert value.item() == pytest.approx(reference(z, y, 0.2), rel=1e-10, abs=1e-12)
    lonely = torch.tensor([[1, 0], [0, 1], [0, 0]])  # nobody shares a finding; one no-finding row
    zero = loss(0.2)(z[:3], lonely)
    assert zero.item() == 0.0 == reference(z[:3], lonely, 0.2)
    assert zero.requires_grad == z.requires_grad


def test_two_no_finding_images_are_positives_of_weight_one():
    z, _ = multi_hot_batch(4)
    none, other = torch.zeros(4, 3, dtype=torch.long), torch.tensor([[0, 1, 0]] * 4)
    assert SupConJaccard(0.1)(z[:4], none).item() == pytest.approx(SupConJaccard(0.1)(z[:4], other).item())


@pytest.mark.parametrize("loss", [SupConJaccard, MulSupCon])
def test_gradients_are_finite(loss):
    z, y = multi_hot_batch(5)
    z = z.clone().requires_grad_(True)
    loss(0.1)(z, y).backward()
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0


@pytest.mark.parametrize("loss", [SupConJaccard, MulSupCon])
def test_class_labels_are_refused_in_one_line(loss):
    with pytest.raises(InputError, match=r"labels of shape \(4,\); the multi-label losses need multi-hot"):
        loss(0.1)(torch.randn(4, 8), torch.tensor([0, 1, 1, 2]))


def expected_finding_counts(labels: np.ndarray, draws: int) -> np.ndarray:
    """Images holding each finding among ``draws`` draws of "a group uniformly, then a member of it",
    the groups being the findings present and "no finding"."""
    groups = np.concatenate([labels, (labels.sum(1, keepdims=True) == 0)], axis=1).astype(float)
    groups = groups[:, groups.sum(0) > 0]
    p_image = (groups / groups.sum(0)).mean(1)  # chance of each image in one draw
    return draws * p_image @ labels


def test_label_balanced_batches_draw_rare_findings_as_often_as_common_ones():
    rng = np.random.default_rng(0)
    common = (rng.random((2000, 4)) < [0.3, 0.1, 0.02, 0.005]).astype(np.int64)
    sampler = LabelBalancedBatches(common, batch_size=100)
    drawn = torch.cat([torch.cat(list(sampler.batches(torch.Generator().manual_seed(e), e))) for e in range(1, 6)])
    assert len(drawn) == 5 * 2000 and all(len(b) == 100 for b in sampler.batches(torch.Generator(), 1))
    counts = common[drawn.numpy()].sum(0)
    expected = expected_finding_counts(common, len(drawn))
    p = expected / len(drawn)
    np.testing.assert_array_less(np.abs(counts - expected), 5 * np.sqrt(len(drawn) * p * (1 - p)))
    natural = common.sum(0) / len(common)
    assert counts[3] / len(drawn) > 10 * natural[3]  # the rarest finding is no longer rare
    no_finding = (common[drawn.numpy()].sum(1) == 0).mean()
    assert no_finding == pytest.approx(1 / 5, abs=5 * math.sqrt(0.16 / len(drawn)))


def test_the_multi_label_objectives_refuse_class_labels_whichever_sampler():
    for batches in ("label_balanced", "natural"):
        block = {**config().objective("minivgg", "mulsupcon"), "batches": batches}
        with pytest.raises(InputError, match=r"labels of shape \(6,\).*multi-hot \(N, findings\) labels of 0/1"):
            build_objective("mulsupcon", block, torch.tensor([0, 1, 2, 3, 4, 5]), config().augment())


def test_the_multi_label_objectives_read_the_unpruned_split():
    run = config()
    assert run.pretrain_split("supcon_jaccard") == run.pretrain_split("mulsupcon") == "unpruned"
    assert run.pretrain_val_split("mulsupcon") == "unpruned" and run.pretrain_val_split("simclr") == "pruned"


@pytest.fixture(scope="module")
def unpruned_demo(tmp_path_factory):
    """A tiny demo source: its pruned classes.json and its unpruned (multi-hot) train and val splits."""
    from cxrcontrast.data.synthetic import synthesize
    from cxrcontrast.files import save_npz
    from cxrcontrast.stages.prune import run_prune
    from cxrcontrast.stages.unpruned import run_unpruned

    root = tmp_path_factory.mktemp("unpruned")
    save_npz(root / "raw.npz", **synthesize(64, 32, 30, seed=0))
    pruned = {s: str(root / f"pruned_{s}.npz") for s in ("train", "val", "test")}
    run_prune(str(root / "raw.npz"), DEMO_ENTRY, outputs=pruned, classes_json=str(root / "classes.json"))
    run_unpruned(str(root / "raw.npz"), DEMO_ENTRY, {s: str(root / f"{s}.npz") for s in ("train", "val", "test")})
    return root


@pytest.mark.parametrize("name", ["supcon_jaccard", "mulsupcon"])
@pytest.mark.parametrize("batches", ["label_balanced", "natural"])
def test_one_epoch_of_each_objective_through_the_pretrain_stage(unpruned_demo, tmp_path, name, batches):
    from training_helpers import pretrain

    params = pretrain_params(name, epochs=1, batch_size=16, batches=batches)
    pretrain(unpruned_demo, tmp_path / name, params)
    with open(tmp_path / name / "history.csv") as f:
        (row,) = list(csv.DictReader(f))
    assert math.isfinite(float(row["loss"])) and float(row["loss"]) > 0
    assert math.isfinite(float(row["val_loss"]))  # validated on the unpruned val split's multi-hot labels


def test_the_pretrain_stage_names_a_train_file_of_class_labels(unpruned_demo, tmp_path):
    from cxrcontrast.stages.pretrain import run_pretrain

    pruned = str(unpruned_demo / "pruned_train.npz")
    out = tmp_path / "out"
    with pytest.raises(InputError, match=rf"^{pruned}: labels of shape \(\d+,\).*multi-hot \(N, findings\)"):
        run_pretrain(
            pruned,
            str(unpruned_demo / "val.npz"),
            str(unpruned_demo / "classes.json"),
            str(out / "encoder.pt"),
            str(out / "history.csv"),
            pretrain_params("supcon_jaccard", epochs=1, batch_size=16),
            0,
            device="cpu",
        )
    assert not (out / "encoder.pt").exists()


def test_mulsupcon_weights_one_row_per_image_and_finding():
    """Brute force on a hand batch: image 0 holds findings 0 and 1 and is two anchors."""
    z = F.normalize(torch.randn(4, 3, generator=torch.Generator().manual_seed(9), dtype=torch.float64), dim=1)
    y = torch.tensor([[1, 1], [1, 0], [0, 1], [0, 0]])
    t = 0.3
    rows = [-log_p(z, 0, 1, t), -log_p(z, 0, 2, t), -log_p(z, 1, 0, t), -log_p(z, 2, 0, t)]
    assert MulSupCon(t)(z, y).item() == pytest.approx(sum(rows) / 4, rel=1e-12)
