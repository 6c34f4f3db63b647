"""MedMNIST+'s published numbers (Doerrich et al. 2024, "Rethinking model prototyping through the MedMNIST+
dataset collection"), for the backbones our registry holds: ResNet-18, DenseNet-121 and ViT-B/16.

Transcribed by hand from the repository's benchmark tables, one PNG per flag (BENCHMARK.md links them):
sdoerrich97/rethinking-model-prototyping-MedMNISTPlus, ``assets/benchmark_results_{flag}.png`` at commit
e5e53bee3372278bf45ee8840cfbee7175f79e70 ("added benchmark results"). Each number is the mean over their three
seeds (the standard deviation after it is left out), printed in percent; ``ROWS`` holds it as a fraction.
Their kNN (k=11) rows give ACC only (the table prints "-" for AUC): ``auc`` is None there.

Left out: VGG16, AlexNet, CLIP/EVA-02/DINO/SAM ViT-B/16 (not in our registry), EfficientNet-B4 (our
efficientnet_b0 is a smaller network, not a stand-in), the "Average" table (not a flag), and the paper's PDF
tables (not stored here). The repository's "ViT-B/16" is timm's ``vit_base_patch16_224`` (ImageNet-21k,
fine-tuned on ImageNet-1k); ours loads torchvision's ImageNet-1k weights, so a like-for-like row shares the
architecture and recipe, not the starting weights (config/medmnist_plus.yaml, header).
"""

from __future__ import annotations

SOURCE = (
    "MedMNIST+ (Doerrich et al. 2024), sdoerrich97/rethinking-model-prototyping-MedMNISTPlus "
    "assets/benchmark_results_{flag}.png @ e5e53bee3372278bf45ee8840cfbee7175f79e70"
)
SIZES = (28, 64, 128, 224)
PROTOCOLS = ("end_to_end", "linear", "knn")
RECIPE = "medmnist_plus"

# flag, protocol, encoder, ACC at 28 64 128 224 px | AUC at 28 64 128 224 px (percent, as printed; the
# table's rows END-TO-END, LINEAR PROBING and k-NN (k = 11), columns in the same order)
TABLE = """
bloodmnist end_to_end resnet18 91.93 97.06 98.34 98.94 | 99.24 99.82 99.92 99.92
bloodmnist end_to_end densenet121 93.87 97.99 98.90 99.02 | 99.58 99.91 99.92 99.95
bloodmnist end_to_end vit_b_16 90.59 96.42 97.54 98.43 | 99.21 99.80 99.91 99.93
bloodmnist linear resnet18 63.40 67.15 80.58 91.10 | 90.58 93.67 97.15 99.25
bloodmnist linear densenet121 71.34 84.03 93.36 95.65 | 94.08 97.99 99.55 99.81
bloodmnist linear vit_b_16 80.67 93.21 97.07 97.95 | 97.13 99.50 99.88 99.92
bloodmnist knn resnet18 75.04 76.18 80.27 89.04
bloodmnist knn densenet121 72.29 80.94 84.10 88.54
bloodmnist knn vit_b_16 70.21 78.95 92.17 94.80
breastmnist end_to_end resnet18 83.97 83.33 85.47 87.18 | 87.61 87.14 87.78 89.94
breastmnist end_to_end densenet121 83.33 85.90 85.68 87.39 | 86.18 90.56 86.63 89.67
breastmnist end_to_end vit_b_16 82.05 81.62 82.48 83.76 | 84.83 84.49 83.63 86.18
breastmnist linear resnet18 73.08 73.08 73.08 73.08 | 64.77 54.92 61.72 68.33
breastmnist linear densenet121 75.00 78.42 78.21 80.77 | 64.96 73.84 78.43 79.82
breastmnist linear vit_b_16 77.14 80.34 85.04 84.40 | 78.22 81.53 90.23 91.15
breastmnist knn resnet18 78.21 81.41 85.90 80.77
breastmnist knn densenet121 78.85 75.64 83.33 84.62
breastmnist knn vit_b_16 75.64 79.49 83.97 81.41
chestmnist end_to_end resnet18 94.75 94.77 94.79 94.79 | 73.82 75.59 78.24 78.96
chestmnist end_to_end densenet121 94.77 94.79 94.80 94.84 | 75.93 78.70 81.21 82.22
chestmnist end_to_end vit_b_16 94.74 94.74 94.78 94.79 | 73.74 76.21 78.05 80.08
chestmnist linear resnet18 94.74 94.74 94.74 94.74 | 61.51 62.56 66.63 75.12
chestmnist linear densenet121 94.74 94.74 94.73 94.75 | 63.14 68.16 71.66 76.26
chestmnist linear vit_b_16 94.74 94.73 94.74 94.73 | 68.04 71.37 74.67 76.09
chestmnist knn resnet18 94.66 94.68 94.66 94.66
chestmnist knn densenet121 94.66 94.67 94.66 94.66
chestmnist knn vit_b_16 94.66 94.66 94.69 94.68
dermamnist end_to_end resnet18 73.38 76.36 79.19 82.33 | 88.35 91.70 93.46 95.27
dermamnist end_to_end densenet121 74.16 76.16 81.76 84.74 | 91.11 93.05 95.71 96.26
dermamnist end_to_end vit_b_16 74.40 77.01 80.81 82.31 | 90.62 93.77 95.89 96.28
dermamnist linear resnet18 67.83 68.94 70.57 71.19 | 84.09 85.41 86.44 88.38
dermamnist linear densenet121 71.70 74.26 77.39 77.06 | 89.80 90.94 92.15 93.18
dermamnist linear vit_b_16 72.15 77.64 80.90 82.01 | 89.89 93.58 95.05 95.88
dermamnist knn resnet18 70.72 71.52 71.37 73.07
dermamnist knn densenet121 69.33 70.62 72.67 73.17
dermamnist knn vit_b_16 69.43 70.87 72.62 75.21
octmnist end_to_end resnet18 69.07 80.70 84.03 85.10 | 92.10 97.53 97.77 98.81
octmnist end_to_end densenet121 72.87 84.40 89.83 86.63 | 94.35 98.00 98.60 99.26
octmnist end_to_end vit_b_16 64.00 80.23 87.47 90.13 | 88.59 96.51 98.95 99.12
octmnist linear resnet18 46.73 53.40 68.60 72.00 | 83.04 88.34 96.39 97.65
octmnist linear densenet121 56.17 66.07 71.10 78.47 | 88.87 94.37 97.27 98.72
octmnist linear vit_b_16 54.43 66.80 76.87 83.57 | 86.31 94.94 97.22 98.96
octmnist knn resnet18 46.80 46.40 56.00 68.90
octmnist knn densenet121 49.20 50.30 55.30 63.20
octmnist knn vit_b_16 46.70 48.70 58.90 65.70
organamnist end_to_end resnet18 92.04 95.49 96.21 96.01 | 99.30 99.76 99.84 99.70
organamnist end_to_end densenet121 91.62 96.16 96.51 96.72 | 99.52 99.84 99.88 99.84
organamnist end_to_end vit_b_16 90.29 94.78 96.27 96.93 | 99.20 99.80 99.86 99.91
organamnist linear resnet18 70.37 84.38 89.30 90.20 | 94.85 98.43 99.20 99.35
organamnist linear densenet121 81.99 90.71 92.73 93.63 | 98.03 99.42 99.67 99.73
organamnist linear vit_b_16 81.45 90.21 92.14 93.06 | 97.49 99.42 99.59 99.65
organamnist knn resnet18 69.68 81.25 86.08 86.69
organamnist knn densenet121 69.48 81.93 86.73 87.28
organamnist knn vit_b_16 66.71 80.67 83.13 83.86
organcmnist end_to_end resnet18 90.48 93.25 93.94 93.20 | 99.14 99.60 99.68 99.61
organcmnist end_to_end densenet121 91.52 93.99 94.42 93.72 | 99.27 99.69 99.65 99.67
organcmnist end_to_end vit_b_16 89.34 93.20 93.34 94.02 | 99.13 99.71 99.72 99.78
organcmnist linear resnet18 60.70 75.86 81.65 82.21 | 92.56 97.04 98.20 98.33
organcmnist linear densenet121 76.22 85.80 87.70 88.09 | 97.01 98.88 99.14 99.21
organcmnist linear vit_b_16 77.36 85.46 90.82 88.20 | 97.22 98.92 99.06 99.19
organcmnist knn resnet18 66.20 76.56 80.00 80.08
organcmnist knn densenet121 62.97 73.03 78.44 79.99
organcmnist knn vit_b_16 64.74 72.59 76.06 78.25
organsmnist end_to_end resnet18 76.24 80.34 82.30 81.24 | 97.23 97.91 98.19 97.86
organsmnist end_to_end densenet121 77.70 83.47 83.18 81.80 | 97.17 97.93 97.94 98.11
organsmnist end_to_end vit_b_16 76.45 81.43 82.94 82.50 | 97.12 98.19 98.50 98.31
organsmnist linear resnet18 53.65 64.95 70.19 70.12 | 89.55 94.31 95.78 95.84
organsmnist linear densenet121 66.28 74.96 76.10 76.56 | 94.86 96.93 97.32 97.41
organsmnist linear vit_b_16 65.44 74.63 77.41 77.45 | 94.46 97.05 97.48 97.55
organsmnist knn resnet18 56.67 65.83 70.26 70.08
organsmnist knn densenet121 55.61 64.96 67.96 69.56
organsmnist knn vit_b_16 52.02 66.04 69.30 69.81
pathmnist end_to_end resnet18 85.54 93.36 95.27 93.82 | 98.24 99.40 99.62 99.30
pathmnist end_to_end densenet121 85.26 92.34 94.69 95.74 | 98.18 99.43 99.70 99.79
pathmnist end_to_end vit_b_16 82.82 91.97 94.61 95.82 | 97.81 99.28 99.67 99.64
pathmnist linear resnet18 73.53 84.42 88.12 88.94 | 95.42 98.05 98.57 98.88
pathmnist linear densenet121 81.82 90.03 92.02 91.28 | 97.80 99.11 99.40 99.21
pathmnist linear vit_b_16 83.90 91.43 92.70 93.54 | 97.90 99.33 99.50 99.63
pathmnist knn resnet18 68.89 79.25 81.85 83.47
pathmnist knn densenet121 72.90 82.16 86.16 85.86
pathmnist knn vit_b_16 71.96 81.50 86.57 88.04
pneumoniamnist end_to_end resnet18 83.12 86.00 89.85 91.13 | 95.01 94.34 97.91 98.04
pneumoniamnist end_to_end densenet121 83.55 85.42 89.80 88.94 | 96.06 97.19 98.75 97.41
pneumoniamnist end_to_end vit_b_16 83.65 85.84 83.76 86.11 | 95.60 96.41 96.81 96.33
pneumoniamnist linear resnet18 74.36 78.90 80.40 83.17 | 87.69 94.21 94.40 96.91
pneumoniamnist linear densenet121 81.94 82.85 84.88 86.59 | 92.68 96.01 96.53 97.34
pneumoniamnist linear vit_b_16 83.12 84.51 87.50 88.30 | 94.28 95.93 97.33 97.63
pneumoniamnist knn resnet18 81.09 86.06 83.97 87.34
pneumoniamnist knn densenet121 82.05 82.37 84.29 86.06
pneumoniamnist knn vit_b_16 83.01 77.88 84.94 87.82
retinamnist end_to_end resnet18 52.33 53.08 59.25 61.50 | 70.41 74.40 80.81 83.16
retinamnist end_to_end densenet121 48.67 53.25 61.75 61.75 | 71.17 74.30 81.45 82.90
retinamnist end_to_end vit_b_16 49.83 54.08 54.00 55.08 | 71.72 73.58 73.71 78.58
retinamnist linear resnet18 43.50 46.58 47.50 49.50 | 68.91 71.18 75.52 79.45
retinamnist linear densenet121 52.08 54.83 60.17 62.67 | 73.41 77.01 83.46 85.93
retinamnist linear vit_b_16 54.25 55.75 59.00 61.17 | 73.09 75.15 82.47 85.16
retinamnist knn resnet18 47.50 49.00 51.00 53.50
retinamnist knn densenet121 49.50 48.75 55.00 58.00
retinamnist knn vit_b_16 48.50 48.75 50.25 56.25
tissuemnist end_to_end resnet18 63.02 67.36 70.17 69.35 | 90.59 92.65 93.65 93.57
tissuemnist end_to_end densenet121 66.53 71.54 74.25 74.08 | 92.47 94.46 95.35 95.25
tissuemnist end_to_end vit_b_16 60.55 66.72 71.29 72.89 | 88.97 92.62 94.32 94.84
tissuemnist linear resnet18 51.06 53.43 54.60 56.46 | 82.44 84.76 85.65 86.97
tissuemnist linear densenet121 55.93 59.46 60.86 61.09 | 86.45 88.64 89.38 89.64
tissuemnist linear vit_b_16 53.91 60.69 62.79 63.80 | 84.95 89.27 90.39 90.88
tissuemnist knn resnet18 48.25 48.89 49.05 51.54
tissuemnist knn densenet121 48.66 50.10 51.04 52.67
tissuemnist knn vit_b_16 47.47 50.73 52.84 54.33
"""


def _percent(text: str) -> float:
    return round(float(text) / 100, 6)


def parse(table: str) -> list[dict]:
    """The rows of ``table``: one per flag x encoder x size x protocol."""
    rows = []
    for line in table.strip().splitlines():
        head, _, auc_part = line.partition("|")
        flag, protocol, encoder, *accs = head.split()
        aucs = auc_part.split() or [None] * len(SIZES)
        for size, acc, auc in zip(SIZES, accs, aucs, strict=True):
            rows.append(
                dict(
                    source=SOURCE.format(flag=flag),
                    flag=flag,
                    encoder=encoder,
                    size=size,
                    protocol=protocol,
                    recipe=RECIPE,
                    auc=None if auc is None else _percent(auc),
                    acc=_percent(acc),
                )
            )
    return rows


ROWS: list[dict] = parse(TABLE)
