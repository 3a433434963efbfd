"""The `focalboost` command line, run in-process."""

import pytest

from focalboost.cli import main


def test_demo_prints_focal_and_logloss_rows(capsys):
    assert main(["demo", "--n-samples", "1500"]) == 0
    out = capsys.readouterr().out
    assert "PR-AUC" in out
    for row in ("log loss (gamma=0)", "focal a=.25 g=2"):
        assert out.count(row) == 2  # one per backend
    assert "xgboost" in out and "lightgbm" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--n-samples", "10"], "--n-samples must be >= 200"),
        (["demo", "--n-samples", "many"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_errors_exit_2_without_traceback(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
