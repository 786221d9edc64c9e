"""qm.periods: calendar periods and labels, aggregation into per-period values, g/t chart inputs.

Calendar facts are checked by hand against a printed calendar (ISO 8601 week dates; the NHS
financial year runs 1 April - 31 March). The real example aggregates the bundled A&E data to NHS
financial quarters per trust and compares with an independent pandas computation (pandas' own
fiscal quarters, ``Q-MAR``) and with sums worked out by hand from the data.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import qualitymetrics as qm

P = qm.periods
T = pd.Timestamp


# ============================================================================ calendar facts
@pytest.mark.parametrize(
    "day, period, start, label",
    [
        # ISO week 1 of 2021 starts Monday 4 January (1 January 2021 was a Friday).
        ("2021-01-04", "week", "2021-01-04", "2021-W01"),
        ("2021-01-10", "iso_week", "2021-01-04", "2021-W01"),
        ("2021-01-03", "week", "2020-12-28", "2020-W53"),
        # 2020 began on a Wednesday and was a leap year: 53 weeks, 31 December is in week 53.
        ("2020-12-31", "week", "2020-12-28", "2020-W53"),
        # 30 December 2019 starts 2020-W01 (the ISO year differs from the calendar year).
        ("2019-12-30", "week", "2019-12-30", "2020-W01"),
        ("2024-01-29", "week", "2024-01-29", "2024-W05"),
        # 31 March 2024 is in financial year 2023/24 and in its fourth quarter (Jan-Mar).
        ("2024-03-31", "financial_year", "2023-04-01", "2023/24"),
        ("2024-03-31", "fy", "2023-04-01", "2023/24"),
        ("2024-03-31", "financial_quarter", "2024-01-01", "2023/24 Q4"),
        ("2024-03-31", "fq", "2024-01-01", "2023/24 Q4"),
        ("2024-04-01", "fq", "2024-04-01", "2024/25 Q1"),
        ("2023-08-15", "fq", "2023-07-01", "2023/24 Q2"),
        ("2023-12-31", "fq", "2023-10-01", "2023/24 Q3"),
        ("2000-03-31", "fy", "1999-04-01", "1999/00"),
        ("2024-03-31", "quarter", "2024-01-01", "2024 Q1"),
        ("2024-04-01", "quarter", "2024-04-01", "2024 Q2"),
        ("2024-02-29", "month", "2024-02-01", "2024-02"),
        ("2024-03-04", "day", "2024-03-04", "2024-03-04"),
    ],
)
def test_calendar_facts(day, period, start, label):
    assert P.period_start(day, period) == T(start)
    assert P.label(day, period) == label
    assert P.label(start, period) == label


def test_leap_years_and_ranges_across_year_ends():
    # February lengths from consecutive month starts: 2024 (÷4) 29, 2023 28, 1900 (÷100) 28, 2000 (÷400) 29.
    for year, days in [(2024, 29), (2023, 28), (1900, 28), (2000, 29)]:
        r = P.period_range(f"{year}-02-10", f"{year}-03-10", "month")
        assert (r[1] - r[0]).days == days
    # FY 2023/24 contains 29 February 2024: 366 days; 2024/25 has 365.
    fy = P.period_range("2023-04-01", "2025-04-01", "fy")
    assert list(fy) == [T("2023-04-01"), T("2024-04-01"), T("2025-04-01")]
    assert [(fy[1] - fy[0]).days, (fy[2] - fy[1]).days] == [366, 365]
    # Days across a year end, and ISO weeks across the 53-week year 2020.
    assert list(P.period_range("2023-12-30", "2024-01-02", "day")) == list(pd.date_range("2023-12-30", "2024-01-02"))
    weeks = P.period_range("2020-12-25", "2021-01-10", "week")
    assert list(weeks) == [T("2020-12-21"), T("2020-12-28"), T("2021-01-04")]
    assert list(P.label(weeks, "week")) == ["2020-W52", "2020-W53", "2021-W01"]
    assert list(P.period_range("2024-03-01", "2024-04-01", "fq")) == [T("2024-01-01"), T("2024-04-01")]
    with pytest.raises(ValueError, match=r"^first: 2024-05-05 is after last \(2024-05-04\)"):
        P.period_range("2024-05-05", "2024-05-04", "day")


def test_every_day_of_three_years_against_pandas():
    # Independent checks: pandas' ISO calendar, monthly and fiscal (year ending March) periods.
    days = pd.Series(pd.date_range("2018-12-01", "2022-01-31", freq="D"))
    iso = days.dt.isocalendar()
    expected_week = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    assert P.label(days, "week").tolist() == expected_week.tolist()
    assert (P.period_start(days, "week") == days - pd.to_timedelta(days.dt.day_of_week, unit="D")).all()
    assert (P.period_start(days, "month") == days.dt.to_period("M").dt.start_time).all()
    assert (P.period_start(days, "quarter") == days.dt.to_period("Q").dt.start_time).all()
    assert (P.period_start(days, "fq") == days.dt.to_period("Q-MAR").dt.start_time).all()
    assert (P.period_start(days, "fy") == days.dt.to_period("Y-MAR").dt.start_time).all()
    fy_end = days.dt.to_period("Y-MAR").dt.year  # pandas names a fiscal year by its end
    assert P.label(days, "fy").tolist() == [f"{y - 1}/{y % 100:02d}" for y in fy_end]


# ================================================================== shapes, missing, bad names
def test_shapes_follow_the_input():
    s = pd.Series(pd.to_datetime(["2020-12-31 23:59", None, "2024-03-31 08:00"]), index=["a", "b", "c"], name="when")
    out = P.period_start(s, "week")
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b", "c"] and out.name == "when"
    assert out["a"] == T("2020-12-28") and pd.isna(out["b"]) and out["c"] == T("2024-03-25")
    lab = P.label(s, "fq")
    assert list(lab.index) == ["a", "b", "c"]
    assert lab["a"] == "2020/21 Q3" and pd.isna(lab["b"]) and lab["c"] == "2023/24 Q4"
    idx = P.period_start(["2024-01-15", "2024-02-15"], "month")
    assert isinstance(idx, pd.DatetimeIndex) and list(idx) == [T("2024-01-01"), T("2024-02-01")]
    assert list(P.label(np.array(["2024-01-15"], dtype="datetime64[ns]"), "month")) == ["2024-01"]
    assert P.period_start(T("2024-05-05 12:00"), "fy") == T("2024-04-01")
    # tz-aware times are taken at their local (wall-clock) date.
    tz = pd.Series(pd.to_datetime(["2024-03-31 23:30"]).tz_localize("Europe/London"))
    assert P.label(tz, "fy").tolist() == ["2023/24"]


def test_bad_period_and_dates():
    with pytest.raises(ValueError, match=r"^period: unknown period 'fortnight'"):
        P.period_start("2024-01-01", "fortnight")
    with pytest.raises(ValueError, match=r"^period: expected a period name"):
        P.label("2024-01-01", None)
    with pytest.raises(ValueError, match=r"^dates: cannot read values as dates at row 'y'"):
        P.label(pd.Series(["2024-01-01", "not a date"], index=["x", "y"]), "month")
    with pytest.raises(ValueError, match=r"^start: expected one date"):
        P.period_range(["2024-01-01"], "2024-02-01")


# ========================================================================== aggregation
def _events(dates, **cols):
    return pd.DataFrame({"date": pd.to_datetime(dates, format="ISO8601"), **cols})


def test_count_with_an_empty_period_made_explicit():
    df = _events(["2024-01-03", "2024-03-09", "2024-01-31 17:45"])
    out = P.aggregate(df, date="date", period="month")
    assert list(out.columns) == ["group", "period", "label", "n_records", "value", "has_data"]
    assert list(out["period"]) == [T("2024-01-01"), T("2024-02-01"), T("2024-03-01")]
    assert list(out["label"]) == ["2024-01", "2024-02", "2024-03"]
    assert list(out["value"]) == [2, 0, 1]
    assert out["value"].dtype == np.int64
    assert list(out["has_data"]) == [True, False, True]
    assert out["group"].isna().all()
    assert out.attrs["n_excluded"] == 0 and out.attrs["how"] == "count" and out.attrs["period"] == "month"


def test_one_record_and_unsorted_input():
    one = P.aggregate(_events(["2024-03-31"], v=[4.5]), date="date", period="fq", value="v", how="mean")
    assert len(one) == 1 and one["label"][0] == "2023/24 Q4" and one["value"][0] == 4.5
    dates = ["2023-03-31", "2023-04-01", "2023-07-01", "2024-01-02", "2024-03-31"]
    sorted_df = _events(dates, v=[1.0, 2, 3, 4, 5])
    shuffled = sorted_df.sample(frac=1, random_state=3)
    a = P.aggregate(sorted_df, date="date", period="fq", value="v")  # how inferred: sum
    b = P.aggregate(shuffled, date="date", period="fq", value="v")
    pd.testing.assert_frame_equal(a, b)
    # 2022/23 Q4: 1; 2023/24 Q1: 2; Q2: 3; Q3: none (0); Q4: 4 + 5.
    assert list(a["label"]) == ["2022/23 Q4", "2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4"]
    assert list(a["value"]) == [1, 2, 3, 0, 9]
    assert list(a["has_data"]) == [True, True, True, False, True]


def test_sum_mean_ratio_with_missing_data():
    df = _events(["2024-01-02", "2024-01-03", "2024-02-01"], v=[2.0, np.nan, np.nan],
                 num=[3.0, np.nan, 1.0], den=[10.0, 99.0, np.nan])
    s = P.aggregate(df, date="date", value="v", how="sum", end="2024-03-15")
    assert list(s.columns) == ["group", "period", "label", "n_records", "n_values", "value", "has_data"]
    # January 2 (NaN skipped); February has a record but no value: NaN; March has no records: 0.
    assert s["value"][0] == 2 and np.isnan(s["value"][1]) and s["value"][2] == 0
    assert list(s["n_records"]) == [2, 1, 0] and list(s["n_values"]) == [1, 0, 0]
    m = P.aggregate(df, date="date", value="v", how="mean", end="2024-03-15")
    assert m["value"][0] == 2 and np.isnan(m["value"][1]) and np.isnan(m["value"][2])
    r = P.aggregate(df, date="date", numerator="num", denominator="den")  # how inferred: ratio
    assert list(r.columns) == ["group", "period", "label", "n_records", "n_values", "numerator", "denominator",
                               "value", "has_data"]
    # January: only the first record has both parts: 3/10. February: its denominator is missing.
    assert r["numerator"][0] == 3 and r["denominator"][0] == 10 and r["value"][0] == 0.3
    assert np.isnan(r["value"][1]) and r["has_data"][1]


def test_start_end_pad_and_exclude():
    df = _events(["2024-01-15", "2024-02-01", "2024-04-30", "2024-05-01"])
    out = P.aggregate(df, date="date", start="2024-02-14", end=T("2024-04-02"))
    assert list(out["label"]) == ["2024-02", "2024-03", "2024-04"]
    assert list(out["value"]) == [1, 0, 1]
    assert out.attrs["n_excluded"] == 2
    wide = P.aggregate(df, date="date", period="quarter", start="2023-10-01", end="2024-12-31")
    assert list(wide["label"]) == ["2023 Q4", "2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4"]
    assert list(wide["value"]) == [0, 2, 2, 0, 0]
    # No records at all, with a range: the periods of the range, all empty.
    empty = P.aggregate(df.iloc[:0], date="date", period="fy", start="2020-01-01", end="2021-06-01")
    assert list(empty["label"]) == ["2019/20", "2020/21", "2021/22"] and list(empty["value"]) == [0, 0, 0]
    assert len(P.aggregate(df.iloc[:0], date="date")) == 0


def test_groups_share_periods_or_keep_their_own():
    df = _events(["2024-03-05", "2024-01-05", "2024-05-05", "2024-03-06", "2024-03-07"],
                 ward=["B", "A", "B", "A", "B"])
    out = P.aggregate(df, date="date", group="ward")
    assert list(out["group"]) == ["A"] * 5 + ["B"] * 5
    assert list(out["value"]) == [1, 0, 1, 0, 0] + [0, 0, 2, 0, 1]
    own = P.aggregate(df, date="date", group="ward", span="group")
    assert list(own["group"]) == ["A"] * 3 + ["B"] * 3
    assert list(own["label"]) == ["2024-01", "2024-02", "2024-03", "2024-03", "2024-04", "2024-05"]
    assert list(own["value"]) == [1, 0, 1, 2, 0, 1]


def test_many_groups_one_call():
    # 2,000 wards x 24 months from 50,000 random events: the table equals a pandas crosstab
    # reindexed onto every (ward, month).
    rng = np.random.default_rng(7)
    n = 50_000
    days = pd.Timestamp("2022-04-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    df = pd.DataFrame({"date": days, "ward": rng.integers(0, 2000, n), "x": rng.normal(size=n)})
    out = P.aggregate(df, date="date", group="ward", value="x", how="mean")
    months = pd.date_range("2022-04-01", "2024-03-01", freq="MS")
    assert len(out) == df["ward"].nunique() * len(months)
    key = df["date"].dt.to_period("M").dt.start_time
    exp = df.groupby(["ward", key])["x"].agg(["size", "mean"])
    full = pd.MultiIndex.from_product([np.sort(df["ward"].unique()), months])
    exp = exp.reindex(full)
    assert (out["n_records"].to_numpy() == exp["size"].fillna(0).to_numpy()).all()
    # (pandas sums naively; ours is the correctly rounded mean, so allow pandas' rounding error)
    np.testing.assert_allclose(out["value"].to_numpy(), exp["mean"].to_numpy(), rtol=1e-12, atol=1e-15,
                               equal_nan=True)


def test_aggregate_bad_input_names_argument_and_row():
    df = _events(["2024-01-01", "2024-01-02", "2024-01-03"], v=[1.0, 2.0, 3.0], w=["a", "b", None],
                 neg=[1.0, -2.0, 3.0], s=["1", "x", "3"])
    df.index = ["r1", "r2", "r3"]
    with pytest.raises(ValueError, match=r"^date: column 'when' is not in the data"):
        P.aggregate(df, date="when")
    with pytest.raises(ValueError, match=r"^how: must be one of"):
        P.aggregate(df, date="date", value="v", how="median")
    with pytest.raises(ValueError, match=r"^value: not used by how='count'"):
        P.aggregate(df, date="date", value="v", how="count")
    with pytest.raises(ValueError, match=r"^value: give the name of the value column for how='mean'"):
        P.aggregate(df, date="date", how="mean")
    with pytest.raises(ValueError, match=r"^denominator: give the name"):
        P.aggregate(df, date="date", numerator="v")
    with pytest.raises(ValueError, match=r"^denominator: negative value -2 at row 'r2'"):
        P.aggregate(df, date="date", numerator="v", denominator="neg")
    with pytest.raises(ValueError, match=r"^value: non-numeric value 'x' at row 'r2'"):
        P.aggregate(df, date="date", value="s")
    with pytest.raises(ValueError, match=r"^group: missing group at row 'r3'"):
        P.aggregate(df, date="date", group="w")
    with pytest.raises(ValueError, match=r"^start: 2024-02-01 is after end \(2024-01-01\)"):
        P.aggregate(df, date="date", start="2024-02-01", end="2024-01-01")
    with pytest.raises(ValueError, match=r"^span: must be one of"):
        P.aggregate(df, date="date", span="each")
    with pytest.raises(ValueError, match=r"^period: unknown period 'fortnight'"):
        P.aggregate(df, date="date", period="fortnight")
    bad_date = df.assign(date=[T("2024-01-01"), pd.NaT, T("2024-01-03")])
    with pytest.raises(ValueError, match=r"^date: missing date at row 'r2'"):
        P.aggregate(bad_date, date="date")
    inf = df.assign(v=[1.0, np.inf, 3.0])
    with pytest.raises(ValueError, match=r"^value: infinite value at row 'r2'"):
        P.aggregate(inf, date="date", value="v", how="sum")


# =========================================================== real example: A&E, NHS quarters
def test_ae_attendances_to_financial_quarters_per_trust():
    ae = qm.ae_attendances()
    t1 = ae[ae["type"] == "1"]  # major A&E departments; monthly, April 2016 - March 2019, newest first
    out = P.aggregate(t1, date="period", period="fq", group="org_code", numerator="breaches",
                      denominator="attendances")

    # Hand computation from the data for University Hospitals Birmingham (RRK):
    #   2016/17 Q1 = Apr, May, Jun 2016: attendances 9,044 + 10,199 + 9,608 = 28,851;
    #                                    breaches    1,195 +  1,843 + 1,397 =  4,435.
    #   2018/19 Q4 = Jan, Feb, Mar 2019: attendances 31,935 + 28,898 + 32,017 = 92,850;
    #                                    breaches    12,502 + 11,376 + 10,670 = 34,548.
    rrk = out[out["group"] == "RRK"].set_index("label")
    assert len(rrk) == 12  # 2016/17 Q1 .. 2018/19 Q4
    assert rrk.loc["2016/17 Q1", "denominator"] == 28_851 and rrk.loc["2016/17 Q1", "numerator"] == 4_435
    assert rrk.loc["2016/17 Q1", "value"] == 4_435 / 28_851
    assert rrk.loc["2018/19 Q4", "denominator"] == 92_850 and rrk.loc["2018/19 Q4", "numerator"] == 34_548
    assert rrk.loc["2016/17 Q1", "period"] == T("2016-04-01") and rrk.loc["2018/19 Q4", "period"] == T("2019-01-01")

    # Independent pandas computation: pandas' fiscal quarters ending in March ("Q-MAR"), summed
    # per trust, then put on the full grid of every trust x every quarter (empty quarters: 0
    # records, sums 0, ratio NaN).
    q = t1["period"].dt.to_period("Q-MAR")
    exp = (t1.assign(q=q).groupby(["org_code", "q"])
           .agg(n_records=("attendances", "size"), numerator=("breaches", "sum"),
                denominator=("attendances", "sum")))
    quarters = pd.period_range("2017Q1", "2019Q4", freq="Q-MAR")  # pandas names a FY by its end year
    exp = exp.reindex(pd.MultiIndex.from_product([sorted(t1["org_code"].unique()), quarters]), fill_value=0)
    exp["value"] = (exp["numerator"] / exp["denominator"]).where(exp["n_records"] > 0)
    exp_label = [f"{p.qyear - 1}/{p.qyear % 100:02d} Q{p.quarter}" for p in exp.index.get_level_values(1)]

    assert len(out) == len(exp) == 140 * 12
    assert list(out["group"]) == list(exp.index.get_level_values(0))
    assert list(out["period"]) == list(exp.index.get_level_values(1).start_time)
    assert list(out["label"]) == exp_label
    np.testing.assert_array_equal(out["n_records"], exp["n_records"])
    np.testing.assert_array_equal(out["numerator"], exp["numerator"])
    np.testing.assert_array_equal(out["denominator"], exp["denominator"])
    np.testing.assert_array_equal(out["value"], exp["value"])  # the same division, to the last bit
    np.testing.assert_array_equal(out["has_data"], exp["n_records"] > 0)
    # Trusts with missing months: partial quarters have fewer records, absent ones none.
    assert (out["n_records"] < 3).sum() > 0 and (~out["has_data"]).sum() > 0
    assert out.loc[out["group"] == "RQQ", "has_data"].sum() == 4  # RQQ reported 12 months: 4 quarters



def test_aggregate_output_feeds_spc():
    ae = qm.ae_attendances()
    t1 = ae[(ae["type"] == "1") & ae["org_code"].isin(["RRK", "RF4"])]
    monthly = P.aggregate(t1, date="period", period="month", group="org_code", value="attendances")
    res = qm.spc(monthly, value="value", date="period", group="group")
    assert list(res.summary()["group"]) == ["RF4", "RRK"]
    assert res.summary()["n_points"].tolist() == [36, 36]


# ====================================================================== t chart: days between
def test_days_between_events():
    df = _events(["2024-01-01", "2024-01-04", "2024-01-11", "2024-01-11"])
    out = P.days_between(df, date="date")
    assert list(out.columns) == ["group", "date", "previous", "event", "value"]
    assert list(out["value"]) == [3.0, 7.0, 0.0]  # same-day events: 0 days
    assert list(out["event"]) == [2, 3, 4]
    assert list(out.index) == [1, 2, 3]
    assert out["previous"].iloc[0] == T("2024-01-01")
    # Across a year end and a leap day: 31 Dec 2023 -> 1 Mar 2024 is 1 + 31 + 29 = 61 days.
    assert P.days_between(_events(["2023-12-31", "2024-03-01"]), date="date")["value"].tolist() == [61.0]
    assert len(P.days_between(_events(["2024-01-01"]), date="date")) == 0


def test_days_between_timestamps_groups_and_clock_changes():
    df = pd.DataFrame({
        "at": pd.to_datetime(["2024-01-01 06:00", "2024-01-01 07:00", "2024-01-02 18:00", "2024-01-03 07:00"]),
        "ward": ["A", "B", "A", "B"],
    })
    out = P.days_between(df, date="at", group="ward")
    assert list(out["group"]) == ["A", "B"]
    assert list(out["value"]) == [1.5, 2.0]  # A: 06:00 -> next day 18:00; B: 07:00 -> 07:00 two days on
    # Clocks in the UK went forward on 31 March 2024: noon to noon across it is 23 hours.
    dst = pd.DataFrame({"at": pd.to_datetime(["2024-03-30 12:00", "2024-03-31 12:00"]).tz_localize("Europe/London")})
    assert P.days_between(dst, date="at")["value"].tolist() == [23 / 24]


def test_days_between_out_of_order():
    df = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-06", "2024-01-08"]),
                       "ward": ["A", "B", "A", "B"]}, index=["e1", "e2", "e3", "e4"])
    with pytest.raises(ValueError, match=r"^date: event on 2024-01-08 at row 'e4' is earlier than the event before "
                                         r"it in its group, on 2024-01-10 at row 'e2'; .*sort=True"):
        P.days_between(df, date="date", group="ward")
    out = P.days_between(df, date="date", group="ward", sort=True)
    assert list(out["value"]) == [5.0, 2.0]
    assert list(out.index) == ["e3", "e2"]
    assert list(out["previous"]) == [T("2024-01-01"), T("2024-01-08")]
    with pytest.raises(ValueError, match=r"^date: missing date at row 'e2'"):
        P.days_between(df.assign(date=[T("2024-01-01"), pd.NaT, T("2024-01-02"), T("2024-01-03")]), date="date")
    with pytest.raises(ValueError, match=r"^group: missing group at row 'e1'"):
        P.days_between(df.assign(ward=[None, "B", "A", "B"]), date="date", group="ward")


# ===================================================================== g chart: cases between
def test_cases_between_from_an_indicator():
    # 0 0 1 | 0 1 | 1 | 0 0: 2 cases before the first event, then 1, then 0; 2 cases still open.
    df = pd.DataFrame({"infection": [0, 0, 1, 0, 1, 1, 0, 0]})
    out = P.cases_between(df, event="infection")
    assert list(out.columns) == ["group", "event", "value"]
    assert list(out["value"]) == [2.0, 1.0, 0.0]
    assert list(out.index) == [2, 4, 5]
    assert out.attrs["open"] == {None: 2}
    assert list(P.cases_between(df, event="infection", include_first=False)["value"]) == [1.0, 0.0]
    as_bool = P.cases_between(df.astype(bool), event="infection")
    assert list(as_bool["value"]) == [2.0, 1.0, 0.0]


def test_cases_between_indicator_with_groups_and_dates():
    df = pd.DataFrame({
        "theatre": ["A", "B", "A", "B", "A", "A"],
        "day": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-02", "2024-01-03", "2024-01-06"]),
        "ssi": [0, 0, 1, 0, 0, 1],
    })
    with pytest.raises(ValueError, match=r"^date: event on 2024-01-03 at row 4 is earlier .* on 2024-01-05 at row 2"):
        P.cases_between(df, event="ssi", date="day", group="theatre")
    out = P.cases_between(df, event="ssi", date="day", group="theatre", sort=True)
    # Theatre A in date order: 0 (1 Jan), 0 (3 Jan), 1 (5 Jan), 1 (6 Jan): 2 then 0. B: no events.
    assert list(out.columns) == ["group", "date", "event", "value"]
    assert list(out["value"]) == [2.0, 0.0]
    assert list(out["date"]) == [T("2024-01-05"), T("2024-01-06")]
    assert out.attrs["open"] == {"A": 0, "B": 2}
    # Without dates, row order is the case order: A is 0, 1, 0, 1.
    assert list(P.cases_between(df, event="ssi", group="theatre")["value"]) == [1.0, 1.0]


def test_cases_between_indicator_bad_input():
    df = pd.DataFrame({"e": [0, 1, 2, 0]}, index=list("abcd"))
    with pytest.raises(ValueError, match=r"^event: must be 1 \(event\) or 0 \(no event\), got 2 at row 'c'"):
        P.cases_between(df, event="e")
    with pytest.raises(ValueError, match=r"^event: missing value at row 'b'"):
        P.cases_between(pd.DataFrame({"e": [0, None, 1]}, index=list("abc")), event="e")
    with pytest.raises(ValueError, match=r"^event: give the 0/1 event column"):
        P.cases_between(df)
    with pytest.raises(ValueError, match=r"^event: column 'x' is not in the data"):
        P.cases_between(df, event="x")


def test_cases_between_from_event_days_and_daily_counts():
    # Cases per day: 27 Feb 5, 28 Feb 3, 29 Feb none (no row), 1 Mar 4, 2 Mar 6. Events: one on
    # 28 Feb, two on 1 Mar. The events of a day are taken as its last cases; cumulative cases
    # 5, 8, 8, 12, 18: the 28 Feb event is case 8 (7 before it: 5 + 2), the 1 Mar events are cases
    # 11 (11 - 8 - 1 = 2 between) and 12 (0 between); 18 - 12 = 6 cases are still open.
    daily = pd.DataFrame({"date": pd.to_datetime(["2024-03-02", "2024-02-27", "2024-02-28", "2024-03-01"]),
                          "operations": [6, 5, 3, 4]})
    events = pd.DataFrame({"date": pd.to_datetime(["2024-02-28", "2024-03-01", "2024-03-01"])}, index=["x", "y", "z"])
    out = P.cases_between(events, date="date", cases=daily, count="operations")
    assert list(out["value"]) == [7.0, 2.0, 0.0]
    assert list(out["event"]) == [1, 2, 3]
    assert list(out.index) == ["x", "y", "z"]
    assert out.attrs["open"] == {None: 6}
    # The same cases as a per-case indicator (events last in their day) give the same values.
    ind = np.zeros(18)
    ind[[7, 10, 11]] = 1
    assert list(P.cases_between(pd.DataFrame({"e": ind}), event="e")["value"]) == [7.0, 2.0, 0.0]


def test_cases_between_event_days_with_groups():
    daily = pd.DataFrame({"ward": ["W1", "W1", "W2", "W3"],
                          "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-01"]),
                          "n": [2, 2, 1, 3]})
    events = pd.DataFrame({"ward": ["W2", "W1"], "date": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    out = P.cases_between(events, date="date", group="ward", cases=daily, count="n")
    assert list(out["group"]) == ["W1", "W2"]
    assert list(out["value"]) == [3.0, 0.0]
    assert out.attrs["open"] == {"W1": 0, "W2": 0, "W3": 3}


def test_cases_between_event_days_bad_input():
    daily = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]), "n": [3, 1, 2]},
                         index=["c1", "c2", "c3"])
    ev = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-04"])}, index=["e1", "e2"])
    with pytest.raises(ValueError, match=r"^date: 1 event\(s\) on 2024-01-04 but no cases .* \(row 'e2'\)"):
        P.cases_between(ev, date="date", cases=daily, count="n")
    two = pd.DataFrame({"date": pd.to_datetime(["2024-01-02", "2024-01-02"])}, index=["e1", "e2"])
    with pytest.raises(ValueError, match=r"^date: 2 event\(s\) on 2024-01-02 but 1 case\(s\)"):
        P.cases_between(two, date="date", cases=daily, count="n")
    back = pd.DataFrame({"date": pd.to_datetime(["2024-01-03", "2024-01-01"])}, index=["e1", "e2"])
    with pytest.raises(ValueError, match=r"^date: event on 2024-01-01 at row 'e2' is earlier"):
        P.cases_between(back, date="date", cases=daily, count="n")
    assert list(P.cases_between(back, date="date", cases=daily, count="n", sort=True)["value"]) == [2.0, 2.0]
    with pytest.raises(ValueError, match=r"^count: must be a whole number of cases >= 0, got -1 at row 'c2'"):
        P.cases_between(ev, date="date", cases=daily.assign(n=[3, -1, 2]), count="n")
    with pytest.raises(ValueError, match=r"^count: must be a whole number of cases >= 0, got 1.5 at row 'c2'"):
        P.cases_between(ev, date="date", cases=daily.assign(n=[3, 1.5, 2]), count="n")
    dup = daily.assign(date=pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]))
    with pytest.raises(ValueError, match=r"^cases: date 2024-01-01 appears twice \(rows 'c1' and 'c3'"):
        P.cases_between(ev, date="date", cases=dup, count="n")
    with pytest.raises(ValueError, match=r"^count: column 'm' is not in the case counts"):
        P.cases_between(ev, date="date", cases=daily, count="m")
    with pytest.raises(ValueError, match=r"^count: give the name"):
        P.cases_between(ev, date="date", cases=daily)
    with pytest.raises(ValueError, match=r"^event: give either event="):
        P.cases_between(ev, event="date", date="date", cases=daily, count="n")
