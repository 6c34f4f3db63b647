"""The optimizer and learning-rate schedule of a training block, by name (torch-free: the config checks them and
trims them for the job's slice; ``training/optim.py`` builds them).

The keys beyond SGD's (``optimizer``, ``schedule``, ``milestones``, ``gamma``, ``warmup_epochs``) are optional:
their defaults (SGD at a constant lr, no warm-up) are the workflow's behaviour before they existed. A key at its
default, or one its choice does not read (``momentum`` with Adam, ``milestones`` without multistep), is left out
of the job's slice, so the results of configs that never name them keep their identity.
"""

from __future__ import annotations

from ..errors import InputError

SGD_KEYS = ("epochs", "batch_size", "lr", "momentum", "weight_decay")
OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "multistep", "cosine")
# The defaults of the optional keys; the schema names them in its descriptions but does not fill them in (a
# filled-in default would enter every slice).
SCHEDULE_DEFAULTS = {
    "optimizer": "sgd",
    "schedule": "constant",
    "milestones": [0.5, 0.75],
    "gamma": 0.1,
    "warmup_epochs": 0,
}
OPTIM_KEYS = frozenset(SGD_KEYS) | frozenset(SCHEDULE_DEFAULTS)


def with_defaults(block: dict) -> dict:
    """The block's optimizer keys, each optional one at its default where the block does not give it."""
    return {**SCHEDULE_DEFAULTS, **{k: v for k, v in block.items() if k in OPTIM_KEYS}}


def unread_keys(block: dict) -> set[str]:
    """Keys the block's optimizer and schedule do not read (the job ignores them; they are no part of it)."""
    settings = with_defaults(block)
    unread = set()
    if settings["optimizer"] != "sgd":
        unread.add("momentum")  # Adam's and AdamW's betas are torch's defaults
    if settings["schedule"] != "multistep":
        unread |= {"milestones", "gamma"}
    return unread


def milestone_epochs(milestones: list[float], epochs: int) -> list[int]:
    """The epochs after which a multistep schedule multiplies the lr by gamma (fractions of ``epochs``)."""
    return [round(f * epochs) for f in milestones]


def check_schedule(block: dict, where: str) -> None:
    """Refuse, in one line naming ``where``, a schedule the block's epochs cannot hold."""
    s = with_defaults(block)
    epochs, warmup = s["epochs"], s["warmup_epochs"]
    if warmup >= epochs:
        raise InputError(f"{where}.warmup_epochs: {warmup}; expected fewer than its {epochs} epochs")
    if s["schedule"] != "multistep":
        return
    at = milestone_epochs(s["milestones"], epochs)
    if any(b <= a for a, b in zip(at, at[1:])) or at[0] <= warmup or at[-1] >= epochs:
        raise InputError(
            f"{where}.milestones: {s['milestones']} fall after epochs {at} of {epochs}; expected increasing "
            f"epochs after the warm-up ({warmup}) and before the last"
        )


def slice_block(block: dict, where: str) -> dict:
    """The block as the job's slice records it: checked, without optional keys at their default or unread."""
    check_schedule(block, where)
    drop = unread_keys(block)
    return {
        k: v for k, v in block.items() if k not in drop and not (k in SCHEDULE_DEFAULTS and v == SCHEDULE_DEFAULTS[k])
    }
