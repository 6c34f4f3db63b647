"""Objectives from parts: samplers, views, miners and losses, each against a reference."""

import inspect
import itertools

import numpy as np
import pytest
import torch
import yaml
from conftest import SCHEMA, config, modules_loaded_by
from torch.nn import functional as F

from cxrcontrast.data.images import InMemoryImages
from cxrcontrast.errors import InputError
from cxrcontrast.training.batches import RandomTriplets, RoundRobinTriplets
from cxrcontrast.training.losses import NTXent, TripletLoss
from cxrcontrast.training.miners import BatchHard
from cxrcontrast.training.objective import part
from cxrcontrast.vocabulary.objectives import OBJECTIVES, OPTIM_KEYS, route
from cxrcontrast.vocabulary.optimizers import SCHEDULE_DEFAULTS

LABELS = torch.tensor([0] * 40 + [1] * 7 + [2] * 2 + [3] * 15 + [4] * 3)


def objective(name, **block):
    return config(pretrain={name: block}).settings["pretrain"][name]


def build(name, labels=LABELS, **block):
    from cxrcontrast.training.objective import build_objective

    return build_objective(
        name, {**objective(name, **block), "batch_size": block.get("batch_size", 16)}, labels, config().augment()
    )


def test_triplet_loss_matches_brute_force():
    g = torch.Generator().manual_seed(0)
    for z in (F.normalize(torch.randn(30, 8, generator=g), dim=1), 3 * torch.randn(30, 8, generator=g)):
        triplets = (torch.arange(10), torch.arange(10, 20), torch.arange(20, 30))
        for margin in (0.1, 0.3, 1.0):
            ref = np.mean(
                [max(float((z[a] - z[p]).norm() - (z[a] - z[n]).norm()) + margin, 0.0) for a, p, n in zip(*triplets)]
            )
            assert TripletLoss(margin)(z, None, triplets).item() == pytest.approx(ref, abs=1e-5)


def batch_hard_reference(labels: torch.Tensor, h: torch.Tensor, margin: float) -> float:
    """online_triplet_loss.batch_hard_triplet_loss (the authors' import), written out loop by loop:
    Euclidean distances; hardest positive = farthest same-label image other than itself (0 if none);
    hardest negative = closest other-label image (the row maximum if none); mean over ALL anchors."""
    n = len(labels)
    d = [[float((h[i] - h[j]).norm()) for j in range(n)] for i in range(n)]
    losses = []
    for a in range(n):
        pos = [d[a][j] for j in range(n) if j != a and labels[j] == labels[a]]
        neg = [d[a][j] for j in range(n) if labels[j] != labels[a]]
        hp = max(pos) if pos else 0.0
        hn = min(neg) if neg else max(d[a])
        losses.append(max(hp - hn + margin, 0.0))
    return float(np.mean(losses))


@pytest.mark.parametrize("case", ["natural", "one_class", "pk"])
def test_batch_hard_on_h_matches_the_authors_package_semantics(case):
    g = torch.Generator().manual_seed(3)
    labels = {
        "natural": torch.tensor([0] * 20 + [1, 1, 2, 5, 5, 7] + [9] * 6),  # singles: 2, 7
        "one_class": torch.zeros(12, dtype=torch.long),
        "pk": torch.arange(6).repeat_interleave(4),
    }[case]
    h = 0.4 * torch.randn(len(labels), 16, generator=g)  # unnormalized, close enough that margins bite
    h[labels == 0] += 0.1
    for margin in (0.3, 1.0):
        loss = TripletLoss(margin)(h, labels, BatchHard()(h, labels))
        assert loss.item() == pytest.approx(batch_hard_reference(labels, h, margin), rel=1e-5, abs=1e-6)


def test_batch_hard_never_takes_the_anchor_as_its_negative():
    """A single negative that is also the farthest point ties with the anchor's own masked entry."""
    h = torch.tensor([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    labels = torch.tensor([0, 0, 1])
    a, p, n = BatchHard()(h, labels)
    assert n.tolist() == [2, 2, 1] and p.tolist() == [1, 0, 2]
    assert TripletLoss(0.5)(h, labels, (a, p, n)).item() == pytest.approx(batch_hard_reference(labels, h, 0.5))
    dup = torch.tensor([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])  # duplicate positives: distance 0, still a positive
    assert BatchHard()(dup, torch.tensor([1, 1, 0]))[1].tolist()[:2] == [1, 0]


def test_batch_hard_gradients_are_finite_where_an_anchor_is_its_own_positive():
    labels = torch.tensor([0, 0, 1, 2, 3, 3])  # 1 and 2 have no positive
    h = torch.randn(6, 8, requires_grad=True)
    TripletLoss(2.0)(h, labels, BatchHard()(h, labels)).backward()
    assert torch.isfinite(h.grad).all() and h.grad.abs().sum() > 0


def test_nt_xent_matches_brute_force():
    """SimCLR's NT-Xent: for each view i with partner j, -log(exp(s_ij/t) / sum_{k != i} exp(s_ik/t)), mean."""
    g = torch.Generator().manual_seed(5)
    z = F.normalize(torch.randn(12, 6, generator=g), dim=1)
    ids = torch.arange(6).repeat(2)
    for t in (0.1, 0.5):
        sim = (z @ z.T) / t
        ref = []
        for i in range(12):
            j = (i + 6) % 12
            denominator = sum(torch.exp(sim[i, k]) for k in range(12) if k != i)
            ref.append(float(-torch.log(torch.exp(sim[i, j]) / denominator)))
        assert NTXent(t)(z, ids).item() == pytest.approx(np.mean(ref), rel=1e-5)


@pytest.mark.parametrize("cls", [RandomTriplets, RoundRobinTriplets])
def test_triplets_obey_label_rules(cls):
    sampler = cls(LABELS, 16)
    for epoch in range(1, 5):
        a, p, n = sampler.triplets(torch.Generator().manual_seed(epoch), epoch)
        assert len(a) == len(LABELS)
        assert torch.all(LABELS[a] == LABELS[p]) and torch.all(LABELS[a] != LABELS[n])
        if cls is RandomTriplets:
            assert torch.all(a != p)


def test_random_triplets_balanced_and_redrawn():
    labels = LABELS.repeat(20)
    sampler = RandomTriplets(labels, 16)
    a1, p1, _ = sampler.triplets(torch.Generator().manual_seed(0), 1)
    a2, p2, _ = sampler.triplets(torch.Generator().manual_seed(1), 2)
    np.testing.assert_allclose(np.bincount(labels[a1].numpy(), minlength=5) / len(a1), 0.2, atol=0.03)
    assert not torch.equal(p1, p2)
    a3, p3, _ = sampler.triplets(torch.Generator().manual_seed(0), 1)
    assert torch.equal(a1, a3) and torch.equal(p1, p3)


def authors_round_robin(labels, orders):
    """The authors' data_loading.py, reimplemented: Triplets() makes, per class, itertools.cycle over
    the class's indices and over every other-class index (both in dataset order), once; each epoch
    the DataLoader (shuffle=True) asks for every anchor in a shuffled order and get_triplet takes
    next() of both cycles of the anchor's class."""
    labels = labels.tolist()
    cycles = {
        c: (
            itertools.cycle([i for i, y in enumerate(labels) if y == c]),
            itertools.cycle([i for i, y in enumerate(labels) if y != c]),
        )
        for c in set(labels)
    }
    epochs = []
    for order in orders:
        triplets = [(a, next(cycles[labels[a]][0]), next(cycles[labels[a]][1])) for a in order.tolist()]
        epochs.append(tuple(torch.tensor(x) for x in zip(*triplets)))
    return epochs


def test_round_robin_is_the_authors_cycling():
    sampler = RoundRobinTriplets(LABELS, 16)
    ours, orders = [], []
    for epoch in range(1, 4):
        t = sampler.triplets(torch.Generator().manual_seed(epoch), epoch)
        ours.append(t)
        orders.append(t.anchors)
    assert sorted(orders[0].tolist()) == list(range(len(LABELS)))  # every image an anchor once per epoch
    for mine, theirs in zip(ours, authors_round_robin(LABELS, orders)):
        for x, y in zip(mine, theirs):
            assert torch.equal(x, y)


def test_hard_pk_batches():
    sampler = part(OBJECTIVES["hard"].batches["pk"].ref)(LABELS, 12, images_per_class=3)
    batches = list(sampler.batches(torch.Generator().manual_seed(0), 1))
    assert len(batches) == len(LABELS) // 12
    for b in batches:
        classes = LABELS[b].view(4, 3)
        assert torch.all(classes == classes[:, :1]) and len(set(classes[:, 0].tolist())) == 4
        for row in b.view(4, 3):  # distinct images where the class has at least K
            if (LABELS == LABELS[row[0]]).sum() >= 3:
                assert len(set(row.tolist())) == 3


def test_natural_batches_are_every_image_once_as_the_data_is():
    sampler = build("hard", batches="natural", embedding="h")
    seen = torch.cat(list(sampler.batches(torch.Generator().manual_seed(0), 1)))
    assert sorted(seen.tolist()) == list(range(len(LABELS)))


def test_a_class_with_one_image_is_refused():
    labels = torch.tensor([0, 0, 1, 2, 2])
    for name, extra in (("normal", {}), ("augmented", {}), ("hard", {"images_per_class": 2})):
        with pytest.raises(InputError, match=r"classes \[1\] have a single training image"):
            build(name, labels, batch_size=4, **extra)


def constant_images(labels):
    """Image i is a constant of intensity 2i+10: any view of it says whose it is."""
    values = (torch.arange(len(labels)) * 2 + 10).to(torch.uint8)
    return InMemoryImages(
        values.view(-1, 1, 1, 1).expand(-1, 1, 16, 16).contiguous(), labels, torch.arange(len(labels))
    )


def whose(x: torch.Tensor) -> torch.Tensor:
    """The image index a (normalized) view came from: the value at its centre pixel."""
    raw = (x[:, 0, 8, 8] * 0.5 + 0.5) * 255
    return ((raw.round() - 10) / 2).round().long()


@pytest.mark.parametrize("positive", ["other", "anchor"])
def test_augmented_positive_view_comes_from_the_right_image(positive):
    obj = build("augmented", positive=positive)
    data = constant_images(LABELS)
    g = torch.Generator().manual_seed(0)
    batch = next(iter(obj.batches(g, 1)))
    roles = obj.views(data, batch, g, None).roles
    assert torch.equal(whose(roles[0]), batch.anchors) and torch.equal(whose(roles[2]), batch.negatives)
    expected = batch.positives if positive == "other" else batch.anchors
    assert torch.equal(whose(roles[1]), expected)
    assert positive == "anchor" or not torch.equal(batch.positives, batch.anchors)


@pytest.mark.parametrize("forward, calls", [("joint", [48]), ("per_role", [16, 16, 16])])
def test_forward_passes_per_batch(forward, calls):
    seen = []

    def model(x):
        seen.append(x.shape[0])
        z = F.normalize(x.flatten(1)[:, :8], dim=1)
        return z, z

    data = InMemoryImages(
        torch.randint(0, 255, (len(LABELS), 1, 8, 8), dtype=torch.uint8), LABELS, torch.arange(len(LABELS))
    )
    for name in ("normal", "augmented"):
        seen.clear()
        obj = build(name, forward=forward)
        g = torch.Generator().manual_seed(0)
        loss, stats = obj.loss(model, data, next(iter(obj.batches(g, 1))), g)
        assert seen == calls and stats["images"] == 48 and loss.ndim == 0


def test_unknown_key_is_an_error_not_swallowed():
    block = objective("normal")
    with pytest.raises(InputError, match=r"pretrain.normal.temperature: not a setting of the normal objective;"):
        route("normal", {**block, "temperature": 0.1})
    with pytest.raises(InputError, match=r"pretrain.hard.batches: 'random'"):
        route("hard", {**objective("hard"), "batches": "random"})


def test_the_registrys_sgd_keys_are_the_optimizers_fields():
    from dataclasses import fields

    from cxrcontrast.training.optim import Optim
    from cxrcontrast.vocabulary.objectives import OPTIM_KEYS

    assert OPTIM_KEYS == {f.name for f in fields(Optim)}


def test_the_config_never_imports_training_and_the_registry_never_imports_torch():
    """The layering of the house: config reads the vocabulary only; the vocabulary loads no torch."""
    modules = "cxrcontrast.config, cxrcontrast.vocabulary.objectives, cxrcontrast.vocabulary.tasks"
    assert modules_loaded_by(modules, ("cxrcontrast.training", "torch")) == []


def test_every_schema_key_is_routed_and_the_registry_matches_the_schema():
    schema = yaml.safe_load(SCHEMA.read_text())
    blocks = schema["properties"]["pretrain"]["properties"]
    assert set(blocks) == set(OBJECTIVES)
    assert set(schema["properties"]["experiments"]["items"]["properties"]["pretrain"]["enum"]) == {"none", *OBJECTIVES}
    for name, recipe in OBJECTIVES.items():
        optional = set(SCHEDULE_DEFAULTS)  # optimizer and schedule keys: never filled in, routed when given
        block = {**objective(name), **SCHEDULE_DEFAULTS}
        assert set(block) == set(blocks[name]["properties"]) and optional <= OPTIM_KEYS
        assert set(blocks[name]["properties"]["batches"]["enum"]) == set(recipe.batches)
        routed = route(name, block)
        assert set().union(*map(set, routed.values())) | {"batches"} == set(block)
        assert recipe.augments == ("augment" in inspect.signature(part(recipe.views.ref)).parameters)
        for spec in [*recipe.batches.values(), recipe.views, recipe.loss, *([recipe.miner] if recipe.miner else [])]:
            declared = set(inspect.signature(part(spec.ref)).parameters) - {"labels", "augment", "supervised"}
            assert set(spec.keys) == declared, spec.ref  # the registry declares what each constructor takes


def test_keys_of_another_batches_choice_are_not_part_of_the_job():
    natural = config(pretrain={"hard": {"batches": "natural", "embedding": "h"}})
    block = natural.objective("minivgg", "hard")
    assert "images_per_class" not in block and block["batches"] == "natural"
    other = config(pretrain={"hard": {"batches": "natural", "embedding": "h", "images_per_class": 8}})
    assert other.pretrain_params("minivgg", "hard") == natural.pretrain_params("minivgg", "hard")


def test_positive_wrap_is_torchvisions_to_pil_image_of_the_normalized_positive():
    """The authors' positive: normalized, then ToPILImage (their augmentation's first step), whose bytes wrap
    the negative values; ``to_pil_wrap`` gives those bytes, checked against torchvision itself."""
    from torchvision.transforms import ToPILImage

    from cxrcontrast.data.tensors import normalize
    from cxrcontrast.training.views import to_pil_wrap

    u8 = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16).expand(1, 3, 16, 16).contiguous()
    unit = u8.float() / 255
    pil = np.asarray(ToPILImage()(normalize(unit)[0]))  # (16, 16, 3) bytes
    ours = (to_pil_wrap(unit)[0] * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    assert np.array_equal(ours, pil)
    ramp = ours[..., 0].ravel().astype(int)  # the bytes of grey levels 0..255: a sawtooth of two teeth
    assert np.all(np.diff(ramp[:127]) > 0) and np.all(np.diff(ramp[127:]) > 0)  # each tooth rises...
    assert ramp[126] > 250 and ramp[127] < 5  # ...and just below mid-grey the bytes fall from white to black


def test_the_wrapped_positive_is_the_augmentation_of_the_wrapped_image():
    from cxrcontrast.data.augment import augment_batch
    from cxrcontrast.data.tensors import normalize
    from cxrcontrast.training.views import to_pil_wrap

    data = InMemoryImages(
        torch.randint(0, 255, (len(LABELS), 1, 8, 8), dtype=torch.uint8), LABELS, torch.arange(len(LABELS))
    )
    plain, wrapped = build("augmented"), build("augmented", positive_wrap=True)
    batch = next(iter(plain.batches(torch.Generator().manual_seed(0), 1)))
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    got = wrapped.views(data, batch, g1, None).roles[1]
    expected = normalize(augment_batch(to_pil_wrap(data.unit(batch.positives)), wrapped.views.augment, g2))
    assert torch.equal(got, expected)
    assert not torch.equal(got, plain.views(data, batch, torch.Generator().manual_seed(5), None).roles[1])


def test_hard_validated_on_plain_triplets_as_the_authors_code():
    """``validation: plain_triplets``: the val loss of hard triplets is the authors' TripletMarginLoss on z of
    round-robin val triplets, three forward passes, with the block's margin and batch size."""
    from cxrcontrast.training.objective import build_objective
    from cxrcontrast.vocabulary.objectives import validation

    block = objective("hard", batches="natural", embedding="h", validation="plain_triplets", margin=0.7)
    assert route("hard", block)["validation"] == {"validation": "plain_triplets"}
    name, val_block = validation("hard", block)
    assert name == "normal" and val_block["margin"] == 0.7 and val_block["batch_size"] == block["batch_size"]
    built = build_objective(name, val_block, LABELS)
    assert isinstance(built.sampler, RoundRobinTriplets) and isinstance(built.loss_fn, TripletLoss)
    assert (built.embedding, built.forward_mode) == ("z", "per_role")
    assert validation("hard", objective("hard")) == ("hard", objective("hard"))  # the default: itself
