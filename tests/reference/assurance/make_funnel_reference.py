"""Independent reference values for the funnel-plot tests, computed in 40-digit arithmetic.

This script does not use qualitymetrics. It implements the published formulas directly with
mpmath (binomial and Poisson CDFs from the regularised incomplete beta and gamma functions,
quantiles by search and root finding) so that the C++ engine is checked against a separate
implementation, not against itself. Run:  python make_funnel_reference.py  (needs mpmath,
pandas) — it rewrites the funnel_*.csv files next to it.

Data: NHS England A&E attendances, type-1 departments, March 2019 (134 trusts), from
../ae_attendances.csv (NHSRdatasets 0.3.3; Open Government Licence v3.0).

Files
  funnel_spiegelhalter_ae.csv  four-hour breaches / attendances (proportion). Spiegelhalter
      (2005, Stat Med 24:1185-1202, appendix A.1.1) exact binomial limits with interpolation;
      z on the arcsine scale; z winsorised at 10% / 90% (R quantile type 7); phi = mean z^2;
      DerSimonian-Laird tau^2 (Spiegelhalter, QSHC 2005;14:347-51); additive and
      multiplicative adjusted limits; bands by strict comparison.
  funnel_shmi_ae.csv  admissions against expected admissions E = attendances x national
      admission rate (a standardised ratio whose national value is 1). The SHMI method (NHS
      Digital SHMI specification, as implemented by FunnelPlotR's sr_method = "SHMI"): log scale,
      z = sqrt(E) ln(O/E), 10% rank truncation, tau^2, 95% limits exp(+-z sqrt(1/E + tau^2)),
      banding 1 (higher than expected) / 2 / 3 (lower than expected); unadjusted limits
      chi-square (exact Poisson CI at E).
  funnel_funnelplotr_*.csv  FunnelPlotR 0.6.0 (nhs-r-community/FunnelPlotR@9020d49) as its
      R/od_adjustment.R, R/calculate_limits.R, R/funnel_plot.R and R/outliers_func.R describe
      it, re-derived here step by step: "sr_shmi" and "sr_cqc" on FunnelPlotR's own test data
      (tests/testthat/test-funnel_plot.R), "pr" on the A&E proportions, "rc" breaches against
      admissions (ratio of counts).
"""
from __future__ import annotations

import math
from pathlib import Path

import mpmath as mp
import pandas as pd

mp.mp.dps = 40
HERE = Path(__file__).resolve().parent
Z95 = mp.sqrt(2) * mp.erfinv(mp.mpf("0.95"))      # Phi^-1(0.975)
Z998 = mp.sqrt(2) * mp.erfinv(mp.mpf("0.998"))    # Phi^-1(0.999)
TAILS = [mp.mpf("0.025"), mp.mpf("0.975"), mp.mpf("0.001"), mp.mpf("0.999")]


def qnorm(p):
    return mp.sqrt(2) * mp.erfinv(2 * mp.mpf(p) - 1)


def binom_cdf_factory(n, theta):
    """CDF of Bin(n, theta) for whole n: the pmf by its recurrence from the mode (40 digits),
    summed; terms below 1e-60 of the mode's are dropped."""
    n = int(n)
    m = int(mp.floor((n + 1) * theta))
    m = min(max(m, 0), n)
    logp = mp.loggamma(n + 1) - mp.loggamma(m + 1) - mp.loggamma(n - m + 1) + m * mp.log(theta) + (n - m) * mp.log(1 - theta)
    pm = mp.exp(logp)
    ratio = theta / (1 - theta)
    pmf = {m: pm}
    k, v = m, pm
    while k > 0 and v > pm * mp.mpf(10) ** -60:
        v = v * k / (n - k + 1) / ratio
        k -= 1
        pmf[k] = v
    lo = k
    k, v = m, pm
    while k < n and v > pm * mp.mpf(10) ** -60:
        v = v * (n - k) / (k + 1) * ratio
        k += 1
        pmf[k] = v
    hi = k
    cum, acc = {}, mp.mpf(0)
    for r in range(lo, hi + 1):
        acc += pmf[r]
        cum[r] = acc
    total = acc

    def cdf(r):
        if r < lo:
            return mp.mpf(0)
        if r >= hi:
            return mp.mpf(1) if r >= n else cum[hi] / total
        return cum[r] / total
    return cdf


def pois_cdf(r, mu):
    if r < 0:
        return mp.mpf(0)
    return mp.gammainc(r + 1, mu, mp.inf, regularized=True)


def interpolated_quantile(cdf, p, start):
    """Spiegelhalter (2005) A.1.1: r_p = min{r: F(r) >= p}; alpha = (F(r_p)-p)/(F(r_p)-F(r_p-1))."""
    r = max(0, int(mp.floor(start)))
    while r > 0 and cdf(r - 1) >= p:
        r -= 1
    while cdf(r) < p:
        r += 1
    fr, fm = cdf(r), cdf(r - 1)
    return r - (fr - p) / (fr - fm)


def exact_binomial_limits(n, theta):
    out = []
    cdf = binom_cdf_factory(n, theta)
    for p in TAILS:
        start = n * theta + qnorm(p) * mp.sqrt(n * theta * (1 - theta))
        q = interpolated_quantile(cdf, p, start)
        out.append(min(max(q / n, 0), 1))
    return out


def chisq_quantile(p, df):
    """p-quantile of chi-square(df) by root finding on the regularised lower gamma."""
    k = mp.mpf(df) / 2
    f = lambda x: mp.gammainc(k, 0, x / 2, regularized=True) - p  # noqa: E731
    guess = df * (1 - 2 / (9 * df) + qnorm(p) * mp.sqrt(2 / (9 * df))) ** 3
    return mp.findroot(f, max(guess, mp.mpf("1e-6")), solver="secant", tol=mp.mpf(10) ** -35)


def quantile7(sorted_values, p):
    n = len(sorted_values)
    index = 1 + (n - 1) * p
    lo, hi = math.floor(index), math.ceil(index)
    qlo, qhi = sorted_values[lo - 1], sorted_values[hi - 1]
    if not index > lo or qhi == qlo:
        return qlo
    h = mp.mpf(index - lo)
    return (1 - h) * qlo + h * qhi


def winsorise(z, trim=0.1):
    s = sorted(z)
    lz, uz = quantile7(s, trim), quantile7(s, 1 - trim)
    return [lz if v < lz else (uz if v > uz else v) for v in z], [not (lz < v < uz) for v in z]


def truncate(z, trim=0.1):
    k = 1 / trim
    order = sorted(range(len(z)), key=lambda i: z[i])
    ranks = [0.0] * len(z)
    a = 0
    while a < len(order):
        b = a + 1
        while b < len(order) and z[order[b]] == z[order[a]]:
            b += 1
        for j in range(a, b):
            ranks[order[j]] = (a + 1 + b) / 2
        a = b
    keep = [0 < math.floor(rk * k / (len(z) + 1)) < k - 1 for rk in ranks]
    return keep


def dispersion(z_used, s_used):
    n = len(z_used)
    phi = mp.fsum(v * v for v in z_used) / n
    w = [1 / (s * s) for s in s_used]
    W, W2 = mp.fsum(w), mp.fsum(x * x for x in w)
    tau2 = mp.mpf(0) if n * phi < n - 1 else max(mp.mpf(0), (n * phi - (n - 1)) / (W - W2 / W))
    p = mp.gammainc(mp.mpf(n - 1) / 2, n * phi / 2, mp.inf, regularized=True)
    return phi, tau2, p


def band(v, lo95, hi95, lo998, hi998):
    if v > hi998:
        return "high_998"
    if v > hi95:
        return "high_95"
    if v < lo998:
        return "low_998"
    if v < lo95:
        return "low_95"
    return "within"


def f(x):
    return float(x)


def ae_march_2019() -> pd.DataFrame:
    d = pd.read_csv(HERE.parent / "ae_attendances.csv", dtype={"type": str})
    x = d[(d.period == "2019-03-01") & (d.type == "1")].sort_values("org_code").reset_index(drop=True)
    return x[["org_code", "attendances", "breaches", "admissions"]]


def header(path: Path, lines: list[str], frame: pd.DataFrame) -> None:
    with open(path, "w") as fh:
        for line in lines:
            fh.write(f"# {line}\n")
        frame.to_csv(fh, index=False, float_format="%.17g", lineterminator="\n")


def spiegelhalter(ae: pd.DataFrame) -> None:
    O = [mp.mpf(int(v)) for v in ae.breaches]
    N = [mp.mpf(int(v)) for v in ae.attendances]
    theta = mp.fsum(O) / mp.fsum(N)
    y0 = mp.asin(mp.sqrt(theta))
    s = [1 / (2 * mp.sqrt(n)) for n in N]
    z = [(mp.asin(mp.sqrt(o / n)) - y0) / si for o, n, si in zip(O, N, s)]
    zw, trimmed = winsorise(z)
    phi, tau2, pval = dispersion(zw, s)
    rows = []
    for i, (o, n, si) in enumerate(zip(O, N, s)):
        v = o / n
        ex = exact_binomial_limits(n, theta)
        add = [mp.sin(min(max(y0 + k * mp.sqrt(si * si + tau2), 0), mp.pi / 2)) ** 2 for k in (-Z95, Z95, -Z998, Z998)]
        mult = [mp.sin(min(max(y0 + k * mp.sqrt(phi) * si, 0), mp.pi / 2)) ** 2 for k in (-Z95, Z95, -Z998, Z998)]
        rows.append({
            "org_code": ae.org_code[i], "breaches": int(o), "attendances": int(n), "value": f(v), "z": f(z[i]),
            "trimmed": int(trimmed[i]),
            "z_additive": f((mp.asin(mp.sqrt(v)) - y0) / mp.sqrt(si * si + tau2)),
            "z_multiplicative": f(z[i] / mp.sqrt(phi)),
            "exact_lower_95": f(ex[0]), "exact_upper_95": f(ex[1]), "exact_lower_998": f(ex[2]), "exact_upper_998": f(ex[3]),
            "exact_band": band(v, *ex),
            "additive_lower_95": f(add[0]), "additive_upper_95": f(add[1]),
            "additive_lower_998": f(add[2]), "additive_upper_998": f(add[3]), "additive_band": band(v, *add),
            "multiplicative_lower_95": f(mult[0]), "multiplicative_upper_95": f(mult[1]),
            "multiplicative_lower_998": f(mult[2]), "multiplicative_upper_998": f(mult[3]),
            "multiplicative_band": band(v, *mult),
        })
    header(HERE / "funnel_spiegelhalter_ae.csv", [
        "Spiegelhalter (2005) funnel for four-hour breaches / attendances, type-1 A&E, March 2019 (see make_funnel_reference.py)",
        f"target = {f(theta)!r}; phi = {f(phi)!r}; tau2 = {f(tau2)!r}; n = {len(O)}; dispersion_p = {f(pval)!r}",
    ], pd.DataFrame(rows))


def shmi(ae: pd.DataFrame) -> None:
    O = [mp.mpf(int(v)) for v in ae.admissions]
    att = [mp.mpf(int(v)) for v in ae.attendances]
    rate = mp.fsum(O) / mp.fsum(att)
    E = [a * rate for a in att]
    z = [mp.sqrt(e) * mp.log(o / e) for o, e in zip(O, E)]
    s = [1 / mp.sqrt(e) for e in E]
    keep = truncate(z)
    phi, tau2, pval = dispersion([v for v, k in zip(z, keep) if k], [v for v, k in zip(s, keep) if k])
    rows = []
    for i, (o, e) in enumerate(zip(O, E)):
        v = o / e
        lo95 = mp.exp(-Z95 * mp.sqrt(1 / e + tau2))
        hi95 = mp.exp(Z95 * mp.sqrt(1 / e + tau2))
        lo998 = mp.exp(-Z998 * mp.sqrt(1 / e + tau2))
        hi998 = mp.exp(Z998 * mp.sqrt(1 / e + tau2))
        un = [chisq_quantile(mp.mpf("0.025"), 2 * e) / (2 * e), chisq_quantile(mp.mpf("0.975"), 2 * e + 2) / (2 * e)]
        shmi_band = 1 if v > hi95 else (3 if v < lo95 else 2)
        rows.append({
            "org_code": ae.org_code[i], "observed": int(o), "expected": f(e), "value": f(v), "z": f(z[i]),
            "truncated": int(not keep[i]), "z_adjusted": f(mp.log(v) / mp.sqrt(1 / e + tau2)),
            "lower_95": f(lo95), "upper_95": f(hi95), "lower_998": f(lo998), "upper_998": f(hi998),
            "unadjusted_lower_95": f(un[0]), "unadjusted_upper_95": f(un[1]), "shmi_band": shmi_band,
        })
    header(HERE / "funnel_shmi_ae.csv", [
        "SHMI method for admissions / expected admissions (E = attendances x national admission rate), type-1 A&E, March 2019",
        f"phi = {f(phi)!r}; tau2 = {f(tau2)!r}; n_used = {sum(keep)}; n = {len(O)}; dispersion_p = {f(pval)!r}",
    ], pd.DataFrame(rows))


def funnelplotr_sr(method: str) -> None:
    # FunnelPlotR tests/testthat/test-funnel_plot.R data, funnel_plot(dt, num, denom, group, ...)
    num = [100, 150, 180, 80, 120, 225]
    den = [108, 112, 165, 95, 100, 220]
    z95, z998 = mp.mpf("1.959964"), mp.mpf("3.090232")
    O = [mp.mpf(v) for v in num]
    rr = [mp.mpf(o) / mp.mpf(d) for o, d in zip(num, den)]                    # aggregate_func, before rounding
    if method == "SHMI":
        E = [mp.mpf(round(d, 2)) for d in den]                                  # SHMI_rounding
        z = [mp.sqrt(e) * mp.log(o / e) for o, e in zip(O, E)]
        s = [1 / mp.sqrt(e) for e in E]
        keep = truncate(z)
        zu = [v for v, k in zip(z, keep) if k]
        su = [v for v, k in zip(s, keep) if k]
        trimmed = [not k for k in keep]
    else:
        E = [mp.mpf(d) for d in den]
        z = [(mp.sqrt(o / e) - 1) * 2 * mp.sqrt(e) for o, e in zip(O, E)]
        s = [1 / (2 * mp.sqrt(e)) for e in E]
        zu, trimmed = winsorise(z)
        su = s
    phi, tau2, _ = dispersion(zu, su)
    adjusted = phi > 1
    rows = []
    for i, e in enumerate(E):
        if method == "SHMI":
            lim = [mp.exp(k * mp.sqrt(1 / e + tau2)) for k in (-z95, z95, -z998, z998)]
        else:
            lim = [1 + k * mp.sqrt(1 / (4 * e) + tau2) for k in (-z95, z95, -z998, z998)]
        un = [chisq_quantile(mp.mpf("0.025"), 2 * e) / (2 * e), chisq_quantile(mp.mpf("0.975"), 2 * e + 2) / (2 * e),
              chisq_quantile(mp.mpf("0.001"), 2 * e) / (2 * e), chisq_quantile(mp.mpf("0.999"), 2 * e + 2) / (2 * e)]
        use = lim if adjusted else un
        rows.append({"group": "abcdef"[i], "numerator": num[i], "denominator": den[i], "rr": f(rr[i]), "z": f(z[i]),
                     "trimmed": int(trimmed[i]),
                     "OD95LCL": f(lim[0]), "OD95UCL": f(lim[1]), "OD99LCL": f(lim[2]), "OD99UCL": f(lim[3]),
                     "LCL95": f(un[0]), "UCL95": f(un[1]), "LCL99": f(un[2]), "UCL99": f(un[3]),
                     "outlier": int(not (use[3] >= rr[i] >= use[2]))})
    header(HERE / f"funnel_funnelplotr_sr_{method.lower()}.csv", [
        f"FunnelPlotR 0.6.0 funnel_plot(dt, num, denom, group, data_type = 'SR', sr_method = '{method}') re-derived",
        f"phi = {f(phi)!r}; tau2 = {f(tau2)!r}; adjusted = {bool(adjusted)}",
    ], pd.DataFrame(rows))


def funnelplotr_pr_rc(ae: pd.DataFrame, kind: str) -> None:
    z95, z998 = mp.mpf("1.959964"), mp.mpf("3.090232")
    if kind == "pr":
        O = [mp.mpf(int(v)) for v in ae.breaches]
        D = [mp.mpf(int(v)) for v in ae.attendances]
        target = mp.fsum(O) / mp.fsum(D)
        y0 = mp.asin(mp.sqrt(target))
        s = [1 / (2 * mp.sqrt(d)) for d in D]
        z = [(mp.asin(mp.sqrt(o / d)) - y0) / si for o, d, si in zip(O, D, s)]
    else:
        O = [mp.mpf(int(v)) for v in ae.breaches]
        D = [mp.mpf(int(v)) for v in ae.admissions]
        target = mp.fsum(O) / mp.fsum(D)
        y0 = mp.log(target)
        s = [mp.sqrt(o / (o + mp.mpf(0.5)) ** 2 + d / (d + mp.mpf(0.5)) ** 2) for o, d in zip(O, D)]
        z = [(mp.log((o + mp.mpf(0.5)) / (d + mp.mpf(0.5))) - y0) / si for o, d, si in zip(O, D, s)]
    zw, trimmed = winsorise(z)
    phi, tau2, _ = dispersion(zw, s)
    adjusted = phi > 1
    rows = []
    for i, d in enumerate(D):
        rr = O[i] / d
        sl = 1 / (2 * mp.sqrt(d))
        out = {}
        for name, t2 in (("OD", tau2), ("", mp.mpf(0))):
            lim = []
            for k in (-z95, z95, -z998, z998):
                h = k * mp.sqrt(sl * sl + t2)
                lim.append(min(max(mp.sin(min(max(y0 + h, 0), mp.pi / 2)) ** 2, 0), 1) if kind == "pr" else mp.exp(y0 + h))
            out[name] = lim
        use = out["OD"] if adjusted else out[""]
        rows.append({"org_code": ae.org_code[i], "numerator": int(O[i]), "denominator": int(d), "rr": f(rr), "z": f(z[i]),
                     "trimmed": int(trimmed[i]),
                     "OD95LCL": f(out["OD"][0]), "OD95UCL": f(out["OD"][1]), "OD99LCL": f(out["OD"][2]), "OD99UCL": f(out["OD"][3]),
                     "LCL95": f(out[""][0]), "UCL95": f(out[""][1]), "LCL99": f(out[""][2]), "UCL99": f(out[""][3]),
                     "outlier": int(not (use[3] >= rr >= use[2]))})
    what = "breaches / attendances (data_type 'PR')" if kind == "pr" else "breaches / admissions (data_type 'RC')"
    header(HERE / f"funnel_funnelplotr_{kind}_ae.csv", [
        f"FunnelPlotR 0.6.0 funnel_plot(..., data_type = '{kind.upper()}') re-derived: {what}, type-1 A&E, March 2019",
        f"target = {f(target)!r}; phi = {f(phi)!r}; tau2 = {f(tau2)!r}; adjusted = {bool(adjusted)}",
    ], pd.DataFrame(rows))


if __name__ == "__main__":
    ae = ae_march_2019()
    spiegelhalter(ae)
    shmi(ae)
    funnelplotr_sr("SHMI")
    funnelplotr_sr("CQC")
    funnelplotr_pr_rc(ae, "pr")
    funnelplotr_pr_rc(ae, "rc")
