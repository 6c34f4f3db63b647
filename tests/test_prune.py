import numpy as np
import pytest

from cxrcontrast.data.medmnist_format import MULTI_LABEL, flag_info, load_splits
from cxrcontrast.data.prune import class_names, prune_labels


def brute_force_prune(labels):
    keep, classes = [], []
    for i, row in enumerate(labels):
        positives = [k for k, v in enumerate(row) if v == 1]
        if len(positives) == 0:
            keep.append(i)
            classes.append(0)
        elif len(positives) == 1:
            keep.append(i)
            classes.append(positives[0] + 1)
    return np.array(keep), np.array(classes)


@pytest.mark.parametrize("seed", range(5))
def test_prune_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    labels = (rng.random((500, 14)) < rng.uniform(0.01, 0.2)).astype(np.uint8)
    keep, classes = prune_labels(labels, MULTI_LABEL)
    ref_keep, ref_classes = brute_force_prune(labels)
    np.testing.assert_array_equal(keep, ref_keep)
    np.testing.assert_array_equal(classes, ref_classes)
    assert keep.dtype == np.int64 and classes.dtype == np.int64


def test_genuine_chestmnist_fixture_prunes_as_its_labels_say(genuine_chestmnist):
    images, labels = load_splits(genuine_chestmnist, "chestmnist", splits=("train",))["train"]
    assert images.shape == (10, 64, 64) and labels.shape == (10, 14)
    keep, classes = prune_labels(labels, flag_info("chestmnist").task)
    assert sorted(set(range(10)) - set(keep.tolist())) == [5, 6, 8]
    assert classes.tolist() == [0, 0, 0, 0, 0, 8, 0]
    assert class_names(flag_info("chestmnist"))[8] == "Pneumothorax"


def test_class_names_for_chestmnist():
    names = class_names(flag_info("chestmnist"))
    assert len(names) == 15
    assert names[:3] == ["Normal", "Atelectasis", "Cardiomegaly"] and names[14] == "Hernia"


def test_multiclass_flag_kept_as_is():
    labels = np.array([[3], [0], [8], [1]])
    keep, classes = prune_labels(labels, flag_info("pathmnist").task)
    assert keep.tolist() == [0, 1, 2, 3] and classes.tolist() == [3, 0, 8, 1]
    assert len(class_names(flag_info("pathmnist"))) == 9
