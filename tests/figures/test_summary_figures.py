"""The summary figures: every cell by level of theory, and the grouping figure with η² (the share of the
spread between groups) checked against hand computations."""

from __future__ import annotations

import math

import pytest

from lesdistill.figures.summary import explained_share, grouping_figure, learning_curve_figure, summary_figure

ROWS = [  # two levels of theory × two architecture families; the error follows the level of theory
    {"system": "water", "teacher": "a", "student": "distilled", "level_of_theory": "PBE", "family": "mace",
     "test_forces_rmse_mev_a": 40.0, "bec_r2": 0.9, "stretch_shift_cm1": -80.0},
    {"system": "water", "teacher": "b", "student": "distilled", "level_of_theory": "PBE", "family": "orb",
     "test_forces_rmse_mev_a": 42.0, "bec_r2": 0.8, "stretch_shift_cm1": -70.0},
    {"system": "water", "teacher": "c", "student": "distilled", "level_of_theory": "ωB97M-V", "family": "mace",
     "test_forces_rmse_mev_a": 60.0, "bec_r2": None, "stretch_shift_cm1": 20.0},
    {"system": "water", "teacher": "d", "student": "distilled", "level_of_theory": "ωB97M-V", "family": "orb",
     "test_forces_rmse_mev_a": 62.0, "bec_r2": "", "stretch_shift_cm1": 30.0},
    {"system": "water", "teacher": "d", "student": "finetune-f10", "level_of_theory": "ωB97M-V", "family": "orb",
     "test_forces_rmse_mev_a": 1000.0},  # fine-tuned cells are left out of the grouping figure
]


def test_explained_share_by_hand():
    errors = [40.0, 42.0, 60.0, 62.0]  # grand mean 51; total sum of squares 121 + 81 + 81 + 121 = 404
    assert explained_share(errors, ["PBE", "PBE", "w", "w"]) == pytest.approx(400 / 404)  # means 41, 61: 2·100 + 2·100
    assert explained_share(errors, ["mace", "orb", "mace", "orb"]) == pytest.approx(4 / 404)  # means 50, 52: 2·1 + 2·1
    assert math.isnan(explained_share(errors, ["x"] * 4))  # one group
    assert math.isnan(explained_share(errors, ["a", "b", "c", "d"]))  # one cell per group: 1 whatever the data
    assert math.isnan(explained_share([1.0, 1.0], ["a", "b"]))  # no spread
    assert explained_share([1.0, math.nan, 1.0, 3.0], ["a", "a", "a", "b"]) == pytest.approx(1.0)  # NaN left out


def test_summary_and_grouping_figures_are_written(tmp_path):
    for function, stem in ((summary_figure, "summary_water"), (grouping_figure, "summary_groups_water")):
        paths = function(ROWS, "water", tmp_path / stem, formats=["png"], dpi=60)
        assert [p.name for p in paths] == [f"{stem}.png"] and paths[0].stat().st_size > 5000


def test_learning_curve_figure_is_written_with_missing_points(tmp_path):
    curves = {"a": {5: 100.0, 50: 50.0, 400: 30.0}, "b": {5: math.nan, 50: 60.0, 400: 41.0}}
    paths = learning_curve_figure(curves, {"a": 28.0, "b": math.nan}, "water", tmp_path / "lc", formats=["png"], dpi=60)
    assert paths[0].name == "lc.png" and paths[0].stat().st_size > 5000
