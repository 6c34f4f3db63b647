"""Job resources: memory grows with the inputs, memory and wall time with each retry."""

from cxrcontrast.resources import mem_mb, minutes


def test_memory_grows_with_the_inputs_there_and_the_attempt(tmp_path):
    data = tmp_path / "x.npz"
    data.write_bytes(b"\0" * 2**21)  # 2 MB
    rule = mem_mb(1000, 10)
    assert rule({}, [str(data), str(tmp_path / "not_yet.npz")], attempt=1) == 1020
    assert rule({}, [str(data)], attempt=2) == 2040


def test_wall_time_grows_with_the_attempt():
    assert [minutes(30)({}, attempt=a) for a in (1, 2, 3)] == [30, 60, 90]
