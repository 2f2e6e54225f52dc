"""Without the binaries a suite refuses to start and says what to build (no hild needed)."""
from hilreliability import cli
from hilreliability.figures import Check, exit_status


def test_a_suite_without_hild_says_so(capsys, tmp_path):
    assert cli.main(["crash-loop", "--hild", str(tmp_path / "no-hild")]) == 2
    assert "no-hild" in capsys.readouterr().err


def test_only_gating_checks_decide_the_exit_status():
    assert exit_status([Check("a", True), Check("aim", False, gate=False)]) == 0
    assert exit_status([Check("a", True), Check("b", False)]) == 1
