"""Values that cross from Python to the CLI (`set=` and `run(dict)`) arrive as Python passed them."""
import math
import random
import subprocess
import tomllib

import numpy as np
import pytest

import relulab
from relulab._run import executable
from relulab._toml import dumps, key, value
from test_relulab import small

# Strings that TOML must escape or that a hand-written writer gets wrong.
AWKWARD_STRINGS = ['plain', 'quote " inside', "apostrophe ' inside", "back\\slash", "tab\tand\nnewline",
                   "non-ASCII: é σ² ✓ 数", "", "trailing backslash \\", "control \x01 \x7f", "= [ { # ]"]
AWKWARD_KEYS = ["bare", "with.dot", "with space", "ünïcode", 'q"uote', "", "1234", "-dash_"]
FLOATS = [0.0, -0.0, 1.5, -2.25e-300, 1e300, 0.1 + 0.2, math.inf, -math.inf, math.nan, 5e-324]


def random_value(rng: random.Random, depth: int = 0):
    kind = rng.choice(["int", "float", "bool", "str"] + (["array", "table"] if depth < 3 else []))
    if kind == "int":
        return rng.choice([0, -1, 7, 2**63 - 1, -(2**63), rng.randrange(-10**12, 10**12)])
    if kind == "float":
        return rng.choice(FLOATS + [rng.uniform(-1e6, 1e6)])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "str":
        return rng.choice(AWKWARD_STRINGS)
    if kind == "array":
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(AWKWARD_KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))}


def same(a, b) -> bool:
    """Equality that counts nan as equal to nan and tells -0.0 from 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def test_every_value_kind_reads_back_as_written():
    # 2 000 random values up to three levels deep (seeded: a failure reproduces).
    rng = random.Random(20261202)
    for _ in range(2000):
        v = random_value(rng)
        assert same(tomllib.loads("x = " + value(v))["x"], v), value(v)
        assert same(tomllib.loads(f"{key('k')} = 1\n[t]\n{key(str(v))} = {value(v)}")["t"][str(v)], v)
        doc = {"top": v, "table": {"inner": v}}
        assert same(tomllib.loads(dumps(doc)), doc)


def test_numpy_values_are_written_as_plain_numbers():
    assert tomllib.loads("x = " + value(np.array([1.5, np.inf])))["x"] == [1.5, math.inf]
    assert tomllib.loads("x = " + value({"n": np.int64(7)}))["x"] == {"n": 7}


def test_the_inline_table_that_ran_the_wrong_sweep(tmp_path):
    # {"range": [0, 3]} once became `range = [0, 3]`'s first value: seeds 0 and 3, not 0, 1 and 2.
    sw = relulab.run(small(), set={'sweep."experiment.seed"': {"range": [0, 3]},
                                   'sweep."data.n"': [60, 90]},
                     out=tmp_path / "sweep", jobs=2, progress=False)
    assert len(sw.cells) == 6
    assert sorted(set(sw.table()["experiment.seed"])) == [0, 1, 2]


def test_overrides_reach_the_resolved_configuration(tmp_path):
    # Each value kind through `set=` into a key that takes it; config.toml is what the CLI resolved.
    description = "".join(AWKWARD_STRINGS)
    metrics = [{"plugin": "losses", "schedule": {"every": 50}, "test_samples": 200}]
    overrides = {"experiment.description": description, "data.n": 97, "optimizer.lr": 0.1 + 0.2,
                 "model.bias": True, "metrics": metrics, "optimizer.iterations": 100}
    run = relulab.run(small(), set=overrides, out=tmp_path / "run", progress=False)
    config = tomllib.loads((tmp_path / "run" / "config.toml").read_text())
    assert config["experiment"]["description"] == description
    assert config["data"]["n"] == 97 and config["optimizer"]["lr"] == 0.1 + 0.2
    assert config["model"]["bias"] is True
    assert config["metrics"][0]["schedule"] == {"every": 50} and len(config["metrics"]) == 1
    assert run.status == "completed"


def test_a_whole_experiment_dict_reaches_the_cli_unchanged(tmp_path):
    doc = small()
    doc["experiment"]["description"] = "".join(AWKWARD_STRINGS)
    doc["optimizer"]["lr"] = 0.1 + 0.2
    run = relulab.run(doc, out=tmp_path / "dict", progress=False)
    config = tomllib.loads((tmp_path / "dict" / "config.toml").read_text())
    for section in ("data", "model", "optimizer"):
        assert all(same(config[section][k], v) for k, v in doc[section].items()), section
    assert config["experiment"]["description"] == doc["experiment"]["description"]
    assert run.status == "completed"


@pytest.mark.parametrize("text", ["{ range = [0, 3]", "[1, 2", '"unclosed'])
def test_the_cli_refuses_a_malformed_value_instead_of_reading_a_string(tmp_path, text):
    # A bare word may stand for a string (--set data.plugin=relu_teacher); broken TOML may not.
    file = tmp_path / "e.toml"
    file.write_text(dumps(small()))
    out = subprocess.run([executable(), "validate", str(file), "--set", f"experiment.description={text}"],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "--set experiment.description" in out.stderr


@pytest.mark.parametrize("number, shown", [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")])
def test_non_finite_floats_reach_the_cli_as_floats(tmp_path, number, shown):
    # No key takes a non-finite number, so the CLI's refusal shows what it read: a float, not a string.
    with pytest.raises(relulab.ConfigError, match=f"description: expected string, found float {shown}$"):
        relulab.run(small(), set={"experiment.description": number}, workdir=tmp_path, progress=False)
