import itertools

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from cxrcontrast.data.images import InMemoryImages
from cxrcontrast.errors import InputError
from cxrcontrast.training.losses import TripletLoss, hardest_triplets
from cxrcontrast.training.samplers import SAMPLERS, build_sampler


def test_triplet_loss_matches_brute_force():
    g = torch.Generator().manual_seed(0)
    z = F.normalize(torch.randn(30, 8, generator=g), dim=1)
    triplets = (torch.arange(10), torch.arange(10, 20), torch.arange(20, 30))
    for margin in (0.1, 0.3, 1.0):
        ref = np.mean([max(float((z[a] - z[p]).norm() - (z[a] - z[n]).norm()) + margin, 0.0) for a, p, n in zip(*triplets)])
        assert TripletLoss(margin)(z, triplets).item() == pytest.approx(ref, abs=1e-6)


def test_batch_hard_miner_picks_hardest_against_brute_force():
    g = torch.Generator().manual_seed(1)
    z = F.normalize(torch.randn(24, 6, generator=g), dim=1)
    labels = torch.arange(6).repeat_interleave(4)
    a, p, n = hardest_triplets(z, labels)
    d = torch.cdist(z, z)
    for anchor, pos, neg in zip(a.tolist(), p.tolist(), n.tolist()):
        same = [j for j in range(24) if labels[j] == labels[anchor] and j != anchor]
        other = [j for j in range(24) if labels[j] != labels[anchor]]
        assert float(d[anchor, pos]) == pytest.approx(max(float(d[anchor, j]) for j in same), abs=1e-5)
        assert float(d[anchor, neg]) == pytest.approx(min(float(d[anchor, j]) for j in other), abs=1e-5)


LABELS = torch.tensor([0] * 40 + [1] * 7 + [2] * 2 + [3] * 15 + [4] * 3)


@pytest.mark.parametrize("picking", ["random", "round_robin"])
@pytest.mark.parametrize("name", ["normal", "augmented"])
def test_triplets_obey_label_rules(name, picking):
    sampler = build_sampler(name, LABELS, batch_size=16, margin=0.3, picking=picking)
    for epoch in range(4):
        a, p, n = sampler.triplets(torch.Generator().manual_seed(epoch), epoch)
        assert len(a) == len(LABELS)
        assert torch.all(LABELS[a] == LABELS[p]) and torch.all(a != p)
        assert torch.all(LABELS[a] != LABELS[n])


def test_random_triplets_balanced_and_redrawn():
    sampler = build_sampler("normal", LABELS.repeat(20), batch_size=16, margin=0.3)
    a1, p1, _ = sampler.triplets(torch.Generator().manual_seed(0))
    a2, p2, _ = sampler.triplets(torch.Generator().manual_seed(1))
    freq = np.bincount(LABELS.repeat(20)[a1].numpy(), minlength=5) / len(a1)
    np.testing.assert_allclose(freq, 0.2, atol=0.03)
    assert not torch.equal(p1, p2)
    a3, p3, _ = sampler.triplets(torch.Generator().manual_seed(0))
    assert torch.equal(a1, a3) and torch.equal(p1, p3)


def test_hard_batches_are_p_by_k():
    sampler = build_sampler("hard", LABELS, batch_size=12, margin=0.3, images_per_class=3)
    batches = list(sampler.batches(torch.Generator().manual_seed(0)))
    assert len(batches) == len(LABELS) // 12
    for b in batches:
        classes = LABELS[b].view(4, 3)
        assert torch.all(classes == classes[:, :1]) and len(set(classes[:, 0].tolist())) == 4
        for row in b.view(4, 3):  # distinct images where the class has at least K
            if (LABELS == LABELS[row[0]]).sum() >= 3:
                assert len(set(row.tolist())) == 3


def test_a_class_with_one_image_is_refused():
    labels = torch.tensor([0, 0, 1, 2, 2])
    for name in ("normal", "augmented", "hard"):
        with pytest.raises(InputError, match=r"classes \[1\] have a single training image"):
            build_sampler(name, labels, batch_size=4, margin=0.3, images_per_class=2)


def test_one_concatenated_forward_per_batch():
    calls = []

    class Spy(torch.nn.Module):
        def forward(self, x):
            calls.append(x.shape[0])
            return F.normalize(x.flatten(1)[:, :8], dim=1)

    data = InMemoryImages(torch.randint(0, 255, (len(LABELS), 1, 8, 8), dtype=torch.uint8), LABELS, torch.arange(len(LABELS)))
    for name in ("normal", "augmented"):
        calls.clear()
        sampler = build_sampler(name, LABELS, batch_size=16, margin=0.3)
        g = torch.Generator().manual_seed(0)
        batch = next(sampler.batches(g))
        loss, stats = sampler.loss(Spy(), data, batch, g)
        assert calls == [48] and stats["images"] == 48 and loss.ndim == 0


def test_augmented_positive_is_a_view_of_the_anchor():
    sampler = build_sampler("augmented", LABELS, batch_size=8, margin=0.3)
    coarse = torch.rand(len(LABELS), 1, 4, 4, generator=torch.Generator().manual_seed(3))
    smooth = F.interpolate(coarse, size=(16, 16), mode="bilinear", align_corners=False)  # structure, not pixel noise
    data = InMemoryImages((smooth * 255).round().byte(), LABELS, torch.arange(len(LABELS)))
    g = torch.Generator().manual_seed(0)
    a, p, n = next(sampler.batches(g))
    x = sampler.inputs(data, (a, p, n), g, None)
    anchors, views, negatives = x.split(len(a))
    torch.testing.assert_close(anchors, data.batch(a))
    torch.testing.assert_close(negatives, data.batch(n))
    assert not torch.allclose(views, data.batch(p))  # not the sampled positive: an augmented anchor
    # the view correlates with its own anchor far more than with other anchors
    flat_v, flat_a = views[:, 0].flatten(1), anchors[:, 0].flatten(1)
    corr = torch.corrcoef(torch.cat([flat_v, flat_a]))[: len(a), len(a):]
    assert torch.all(corr.diagonal() > 0.5)


def test_registry_names():
    assert set(SAMPLERS) == {"normal", "hard", "augmented", "supcon"}
    with pytest.raises(InputError, match="unknown name 'easy'"):
        build_sampler("easy", LABELS, batch_size=4)
