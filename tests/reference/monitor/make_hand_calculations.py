"""Independent hand calculations for the outcome monitors (tests/cpp/monitor_test.cpp).

Every number here is worked out with Python's ``decimal`` module at 40 significant digits, step by
step from the published formulas — not with the library, and not in binary floating point — and
written with 17 significant digits. Run from this directory:

    python3 make_hand_calculations.py

Sources of the formulas (see README.md in this directory):
  * risk-adjusted CUSUM: Steiner, Cook, Farewell & Treasure (2000), Biostatistics 1(4):441-452,
    W_t = y_t ln R_A - ln(1 - p_t + R_A p_t) for R0 = 1; upper chart X_t = max(0, X_{t-1} + W_t);
    risks from the logistic model with intercept -3.67 and Parsonnet coefficient 0.077 (Rigdon &
    Fricker 2015, pp. 225-226, as quoted in the vlad package's llr_score examples);
  * VLAD: Lovegrove et al. (1997), V_t = sum (p_i - y_i); EO-CUSUM of Wittenberg, Gan & Knoth
    (2018) with k = pbar (R_A - 1 - ln R_A) / ln R_A;
  * Bernoulli CUSUM: qicharts2 0.8.1 bchart() (R/bchart.R), transcribed in bernoulli() below.
"""
from __future__ import annotations

import csv
from decimal import Decimal as D, getcontext

getcontext().prec = 40
ONE, ZERO = D(1), D(0)


def fmt(x: D) -> str:
    if x != x:
        return "nan"
    return "0" if x == 0 else format(x, ".17g")


def logistic(intercept: D, slope: D, score: int) -> D:
    return ONE / (ONE + (-(intercept + slope * score)).exp())


def weight(y: int, p: D, ra: D, r0: D = ONE) -> D:
    base, alt = ONE - p + r0 * p, ONE - p + ra * p
    return ((base * ra) / (alt * r0)).ln() if y == 1 else (base / alt).ln()


def risk_adjusted() -> None:
    # A short series of cardiac-surgery cases: Parsonnet scores and 30-day deaths (invented for
    # the calculation; the model is Rigdon & Fricker's). h = 2 so that the chart signals and resets.
    scores = [19, 19, 0, 0, 5, 40, 12, 0, 33, 21, 8, 50, 2, 15, 0, 27]
    deaths = [0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 1]
    h_up, h_lo = D(2), D(2)
    up = lo = ZERO
    rows = []
    for s, y in zip(scores, deaths):
        p = logistic(D("-3.67"), D("0.077"), s)
        wu, wl = weight(y, p, D(2)), weight(y, p, D("0.5"))
        up_new, lo_new = max(ZERO, up + wu), max(ZERO, lo + wl)
        flag = (1 if up_new > h_up else 0) | (2 if lo_new > h_lo else 0)
        rows.append([s, y, fmt(p), fmt(wu), fmt(wl), fmt(up_new), fmt(lo_new), flag])
        up, lo = (ZERO, ZERO) if flag else (up_new, lo_new)  # reset after a signal (vlad reset = TRUE)
    with open("risk_adjusted_cusum_hand.csv", "w", newline="") as f:
        f.write("# Risk-adjusted CUSUM (Steiner et al. 2000), hand calculation with 40-digit decimals:\n")
        f.write("# p = 1/(1 + exp(-(-3.67 + 0.077*parsonnet))) (Rigdon & Fricker 2015 pp. 225-226);\n")
        f.write("# weight_upper: R_A = 2, weight_lower: R_A = 1/2, R0 = 1: W = y ln R_A - ln(1 - p + R_A p);\n")
        f.write("# upper = max(0, upper + weight_upper), lower = max(0, lower + weight_lower), h = 2 for both,\n")
        f.write("# signal when a sum exceeds 2 (flags 1 upper, 2 lower), both restart at 0 after a signal.\n")
        w = csv.writer(f)
        w.writerow(["parsonnet", "death", "risk", "weight_upper", "weight_lower", "upper", "lower", "flags"])
        w.writerows(rows)


def vlad() -> None:
    scores = [19, 19, 0, 0, 5, 40, 12, 0, 33, 21, 8, 50, 2, 15, 0, 27, 3, 3, 9, 60]
    deaths = [0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1]
    risks = [logistic(D("-3.67"), D("0.077"), s) for s in scores]
    pbar = sum(risks) / len(risks)
    ra = D(2)
    k = pbar * (ra - 1 - ra.ln()) / ra.ln()
    h = D("1.2")
    v = ZERO
    s_minus = ZERO
    rows = []
    for p, y in zip(risks, deaths):
        z = p - y
        v += z
        s_new = min(ZERO, s_minus + z + k)
        flag = 1 if s_new < -h else 0
        rows.append([y, fmt(p), fmt(z), fmt(v), fmt(s_new), flag])
        s_minus = ZERO if flag else s_new
    with open("vlad_hand.csv", "w", newline="") as f:
        f.write("# VLAD (Lovegrove et al. 1997) and the EO-CUSUM deterioration rule (Wittenberg, Gan & Knoth 2018),\n")
        f.write("# hand calculation with 40-digit decimals. risk as in risk_adjusted_cusum_hand.csv;\n")
        f.write(f"# mean_risk = {fmt(pbar)} (of these cases); k = mean_risk (2 - 1 - ln 2)/ln 2 = {fmt(k)};\n")
        f.write("# vlad = cumulative sum of (risk - death); lower = min(0, lower + (risk - death) + k);\n")
        f.write("# h = 1.2: signal (flags 1) when lower < -1.2, then restart at 0.\n")
        f.write(f"#published_mean_risk,{fmt(pbar)}\n#published_k,{fmt(k)}\n")
        w = csv.writer(f)
        w.writerow(["death", "risk", "eo", "vlad", "lower", "flags"])
        w.writerows(rows)


def getp(p0: D, odds_ratio: D) -> D:  # qicharts2 R/bchart.R getp()
    odds0 = p0 / (1 - p0)
    odds1 = odds_ratio * odds0
    return odds1 / (1 + odds1)


def bernoulli() -> None:
    # qicharts2 bchart(x, target = 0.1, or = 2, limit = 3.5), the loop of R/bchart.R transcribed
    x = [0] * 75 + [1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1]
    p0, odds_ratio, limit = D("0.1"), D(2), D("3.5")
    p1, p2 = getp(p0, odds_ratio), getp(p0, 1 / odds_ratio)
    z1 = z2 = ZERO
    rows = []
    for xi in x:
        s1 = xi * (p1 / p0).ln() + (1 - xi) * ((1 - p1) / (1 - p0)).ln()
        s2 = xi * (p2 / p0).ln() + (1 - xi) * ((1 - p2) / (1 - p0)).ln()
        z1i = z1 + s1
        signal1 = z1i >= limit
        c1 = z1i * (1 if z1i > 0 else 0) * (1 if z1i <= limit else 0)
        z1 = c1
        z2i = z2 + -s2
        signal2 = z2i <= -limit
        c2 = z2i * (1 if z2i < 0 else 0) * (1 if z2i >= -limit else 0)
        z2 = c2
        rows.append([xi, fmt(s1), fmt(-s2), fmt(c1 + 0), fmt(c2 + 0), (1 if signal1 else 0) | (2 if signal2 else 0)])
    with open("bernoulli_cusum_hand.csv", "w", newline="") as f:
        f.write("# Bernoulli CUSUM as qicharts2 0.8.1 bchart(x, target = 0.1, or = 2, limit = 3.5) computes it\n")
        f.write("# (R/bchart.R, loop transcribed), with 40-digit decimals. upper_score = s1, lower_score = -s2,\n")
        f.write("# upper = cusum1, lower = cusum2, flags: 1 signal1 (z1 >= limit), 2 signal2 (z2 <= -limit).\n")
        f.write(f"#published_p1,{fmt(p1)}\n#published_p2,{fmt(p2)}\n")
        w = csv.writer(f)
        w.writerow(["x", "upper_score", "lower_score", "upper", "lower", "flags"])
        w.writerows(rows)


if __name__ == "__main__":
    risk_adjusted()
    vlad()
    bernoulli()
