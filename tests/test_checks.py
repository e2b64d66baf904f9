"""utils.checks: encoding, comparison messages, mistake hints, record mode, helper isolation,
and what a kernel can and cannot judge (hidden cases are only logged)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from utils import checks



@pytest.fixture
def references(monkeypatch):
    cases = {
        "f_array": {"expected": checks.encode(np.arange(6.0).reshape(2, 3)),
                    "mistakes": [{"label": "double", "hint": "you doubled every value.",
                                  "value": checks.encode(2 * np.arange(6.0).reshape(2, 3))}]},
        "f_float": {"expected": checks.encode(-6.99908945068), "mistakes": []},
        "f_mask": {"expected": checks.encode(np.array([True, False])), "mistakes": []},
        "f_acc": {"expected": checks.encode(np.array([1, 0, 1, 1])), "minimum": 0.75,
                  "mistakes": []},
    }
    notebook = checks.NotebookChecks("test_notebook")
    notebook._expected = {"cases": cases, "hidden": ["f_hidden_a"], "replay": {}}
    monkeypatch.delenv(checks.RECORD_ENV, raising=False)
    monkeypatch.delenv(checks.GRADING_LOG_ENV, raising=False)
    monkeypatch.setattr(checks, "check", notebook.check, raising=False)
    return cases


@pytest.mark.parametrize("value", [1.5, 3, True, np.arange(4, dtype=np.int32).reshape(2, 2),
                                   np.array([True, False]), (np.zeros(2), 2.0)])
def test_encode_decode_round_trip(value):
    back = checks.decode(json.loads(json.dumps(checks.encode(value))))
    assert checks.values_equal(back, value)
    assert type(back) is type(value) or isinstance(value, np.ndarray)


def test_pass_prints_expected_and_got(references, capsys):
    checks.check("f_array", np.arange(6.0).reshape(2, 3), name="Z")
    out = capsys.readouterr().out
    assert "expected Z" in out and "got Z" in out and "OK" in out


def test_wrong_values_name_the_first_difference(references):
    got = np.arange(6.0).reshape(2, 3)
    got[1, 2] = 99
    with pytest.raises(AssertionError, match=r"1 of 6 values differ; first at index \(1, 2\)"):
        checks.check("f_array", got, name="Z")


def test_known_mistake_is_named(references):
    with pytest.raises(AssertionError, match="Likely mistake: you doubled every value."):
        checks.check("f_array", 2 * np.arange(6.0).reshape(2, 3))


def test_wrong_shape(references):
    with pytest.raises(AssertionError, match=r"has shape \(3, 2\), expected \(2, 3\)"):
        checks.check("f_array", np.zeros((3, 2)))


def test_zero_d_array_instead_of_float_is_explained(references):
    with pytest.raises(AssertionError, match=r"take the number out of a size-1 result with \.item\(\)"):
        checks.check("f_float", np.array(-6.99908945068))


def test_float_within_tolerance_passes(references):
    checks.check("f_float", -6.99908945068 * (1 + 1e-9))


def test_bool_array_required(references):
    with pytest.raises(AssertionError, match="boolean array"):
        checks.check("f_mask", np.array([1.0, 0.0]))


def test_unknown_case_says_how_to_regenerate(references):
    with pytest.raises(KeyError, match="make refs"):
        checks.check("nope", 1.0)


def test_record_mode_writes_instead_of_comparing(tmp_path, monkeypatch):
    log = tmp_path / "rec.jsonl"
    monkeypatch.setenv(checks.RECORD_ENV, str(log))
    checks.NotebookChecks("no_such_notebook").check("anything", np.ones(2), rtol=1e-3)
    item = json.loads(log.read_text())
    assert item["case"] == "anything" and item["value"]["shape"] == [2] and item["rtol"] == 1e-3


def test_record_mode_records_labels_for_an_accuracy_case(tmp_path, monkeypatch):
    log = tmp_path / "rec.jsonl"
    monkeypatch.setenv(checks.RECORD_ENV, str(log))
    checks.NotebookChecks("x").check("acc", np.array([1, 1, 0]), minimum=0.75,
                                     labels=np.array([1, 0, 0]))
    item = json.loads(log.read_text())
    assert item["minimum"] == 0.75 and item["value"]["data"] == [1, 0, 0]
    assert item["predicted"]["data"] == [1, 1, 0]      # names a mutant's mistake (graders.refs)


def test_a_known_wrong_prediction_is_named(references):
    references["f_acc"]["mistakes"] = [{"label": "zeros", "hint": "it always says no.",
                                        "value": checks.encode(np.zeros(4, dtype=int))}]
    with pytest.raises(AssertionError, match=r"0\.250 accuracy .* the test needs 0\.75\. Likely mistake: it always says no\."):
        checks.check("f_acc", np.zeros(4, dtype=int))
    with pytest.raises(AssertionError) as caught:        # other failing predictions: no hint
        checks.check("f_acc", np.array([0, 1, 0, 0]))
    assert "Likely mistake" not in str(caught.value)


def _broken_model():
    raise ValueError("\x1b[1mComputed output size would be zero.\x1b[0m\n\n"
                     "Received: `inputs=keras_tensor_121`\nmore text")


def test_an_error_while_building_a_model_is_a_value():
    raised = checks.Raised.of(ValueError("\x1b[1mComputed output size would be zero.\x1b[0m\n\n"
                                         "Received: `inputs=keras_tensor_121`\nmore text"))
    assert raised == ("ValueError", "Computed output size would be zero. Received: `inputs=keras_tensor`")
    back = checks.decode(json.loads(json.dumps(checks.encode(raised))))
    assert back == raised and checks.values_equal(back, raised)
    assert not checks.values_equal(checks.Raised("TypeError", raised.summary), raised)
    assert checks._mismatch(raised, {"steps": []}, "ResNet50") == \
        "making ResNet50 raised ValueError: Computed output size would be zero. Received: `inputs=keras_tensor`"


def test_check_model_reports_a_build_error_and_names_a_known_one(references):
    raised = checks.Raised.of(ValueError("\x1b[1mComputed output size would be zero.\x1b[0m\n\n"
                                         "Received: `inputs=keras_tensor_7`"))
    references["f_model"] = {"expected": {"kind": "model", "data": {"input_shape": [None, 4], "steps": [], "params": 0}},
                             "mistakes": [{"label": "s2", "hint": "stage 2 uses s=1.",
                                           "value": checks.encode(raised)}]}
    notebook = checks.NotebookChecks("test_notebook")
    notebook._expected = {"cases": references, "hidden": [], "replay": {}}
    with pytest.raises(AssertionError, match=r"f_model: making ResNet50 raised ValueError: Computed "
                                             r"output size would be zero\..* Likely mistake: stage 2 uses s=1\."):
        notebook.check_model("f_model", _broken_model, name="ResNet50")


def test_grading_log_records_and_still_compares(references, tmp_path, monkeypatch):
    log = tmp_path / "grading.jsonl"
    monkeypatch.setenv(checks.GRADING_LOG_ENV, str(log))
    checks.check("f_float", -6.99908945068)
    wrong = np.arange(6.0).reshape(2, 3) * 2
    with pytest.raises(AssertionError, match="you doubled every value"):
        checks.check("f_array", wrong)
    checks.check("f_hidden_a", np.array([1.0, 2.0]))      # logged, not judged here
    items = [json.loads(line) for line in log.read_text().splitlines()]
    assert [item["case"] for item in items] == ["f_float", "f_array", "f_hidden_a"]
    assert np.array_equal(checks.decode(items[1]["value"]), wrong)


def test_a_kernel_cannot_judge_a_hidden_case(references, capsys):
    """Hidden cases have no expected value in a kernel: check() neither passes nor fails them."""
    checks.check("f_hidden_a", np.array([99.0]))
    assert capsys.readouterr().out == ""


def test_accuracy_cases_count_the_predictions(references, capsys):
    checks.check("f_acc", np.array([1, 0, 1, 0]))          # 3 of 4
    with pytest.raises(AssertionError, match=r"0\.500 accuracy on the test set; the test needs 0\.75"):
        checks.check("f_acc", np.array([0, 0, 1, 0]))


def helper(x):
    return x + 1


def caller(x):
    return helper(x) * 10


def test_trusted_helpers_swaps_and_restores():
    with checks.trusted_helpers(caller, helper=lambda x: x):
        assert caller(1) == 10
    assert caller(1) == 20


def test_trusted_helpers_restores_after_an_exception():
    with pytest.raises(RuntimeError):
        with checks.trusted_helpers(caller, helper=lambda x: x):
            raise RuntimeError
    assert caller(1) == 20


def test_judging_a_hidden_case_never_reveals_reference_values():
    case = {"expected": checks.encode(np.array([1.25, 2.5])), "mistakes": [
        {"label": "m", "hint": "you added one.", "value": checks.encode(np.array([2.25, 3.5]))}]}
    shown = checks.judge("f_hidden_a", case, np.array([1.25, 7.0]))
    assert "1 of 2 values differ" in shown
    assert "2.5" not in shown and "1.25" not in shown
    assert checks.judge("f_hidden_a", case, np.array([2.25, 3.5])).endswith("Likely mistake: you added one.")
    assert checks.judge("f_hidden_a", case, np.array([1.25, 2.5])) is None


def test_names_and_none_are_stored_and_compared():
    """who_is_it returns (min_dist, identity): a name, or None when nobody matched."""
    for value in [(0.25, "younes"), (100, None), ("kian", np.str_("tian"))]:
        encoded = json.loads(json.dumps(checks.encode(value)))
        assert checks.values_equal(value, checks.decode(encoded))
    assert checks.decode(checks.encode(None)) is None
    assert checks._mismatch((0.25, "kian"), (0.25, "younes"), "result") == \
        "result[1] should be 'younes', got 'kian'"
    assert checks._mismatch(None, "younes", "identity") == "identity should be 'younes', got None"
    assert checks._mismatch("None", None, "identity") == "identity should be None, got 'None'"
    assert not checks.values_equal(np.array([1.0]), "1.0")
