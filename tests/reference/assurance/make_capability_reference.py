"""Independent reference values for process capability (capability_ae_rrk.csv).

Computed with mpmath at 40 significant digits straight from the published formulas, with no code
shared with the library:

  * within sigma  mean moving range / 1.128 (d2 for ranges of 2), overall sigma the sample SD;
  * Cp, Pp        (U - L)/(6 sigma), interval C*sqrt(chi2_{a/2,nu}/nu), C*sqrt(chi2_{1-a/2,nu}/nu)
                  (Chou, Owen & Borrego 1990; Montgomery, Introduction to SQC, ch. 8), nu = n - 1;
  * Cpl, Cpu, Cpk interval C -/+ z*sqrt(1/(9n) + C^2/(2(n-1))) (Bissell 1990; NIST e-Handbook 6.1.6);
  * Cpm           min(T - L, U - T)/(3*sqrt(sigma^2 + (mean - T)^2)), interval as Cp with
                  nu = n(1 + a^2)^2/(1 + 2a^2), a = (mean - T)/sigma (Boyles 1991; NIST 6.1.6);
  * p_meet        Phi(3*Cpk) for a one-sided specification, interval Phi(3*limits); two-sided
                  Phi((U - mean)/sigma) - Phi((L - mean)/sigma).

Data: NHS England A&E type-1 four-hour performance 1 - breaches/attendances of trust RRK,
April 2016 - March 2019 (36 months; tests/reference/ae_attendances.csv, from NHSRdatasets,
Open Government Licence v3.0), against the 95% standard (a lower specification limit only) and
against an illustrative two-sided specification [0.55, 0.95] with nominal 0.78.

Run:  python make_capability_reference.py   (writes capability_ae_rrk.csv next to this file)
"""
from __future__ import annotations

import csv
from pathlib import Path

import mpmath as mp

mp.mp.dps = 40
HERE = Path(__file__).resolve().parent


def series() -> list[mp.mpf]:
    rows = list(csv.DictReader(open(HERE.parent / "ae_attendances.csv")))
    rows = sorted((r for r in rows if r["org_code"] == "RRK" and r["type"] == "1"), key=lambda r: r["period"])
    return [1 - mp.mpf(r["breaches"]) / mp.mpf(r["attendances"]) for r in rows]


def chi2_quantile(df: mp.mpf, p: mp.mpf) -> mp.mpf:
    f = lambda x: mp.gammainc(df / 2, 0, x / 2, regularized=True) - p  # noqa: E731
    return mp.findroot(f, df, tol=mp.mpf(10) ** -35)


def phi(x: mp.mpf) -> mp.mpf:
    return mp.ncdf(x)


def z_two_sided(c: mp.mpf) -> mp.mpf:
    return mp.sqrt(2) * mp.erfinv(c)


def main() -> None:
    x = series()
    n = len(x)
    mean = mp.fsum(x) / n
    mr = [abs(x[i] - x[i - 1]) for i in range(1, n)]
    amr = mp.fsum(mr) / len(mr)
    sw = amr / mp.mpf("1.128")
    so = mp.sqrt(mp.fsum((v - mean) ** 2 for v in x) / (n - 1))
    conf = mp.mpf("0.95")
    z = z_two_sided(conf)
    nu = mp.mpf(n - 1)
    lo_p, hi_p = (1 - conf) / 2, (1 + conf) / 2
    out: list[tuple[str, mp.mpf]] = [("n", mp.mpf(n)), ("mean", mean), ("mean_moving_range", amr),
                                     ("sigma_within", sw), ("sigma_overall", so)]

    def bissell(c: mp.mpf) -> tuple[mp.mpf, mp.mpf]:
        h = z * mp.sqrt(1 / (9 * mp.mpf(n)) + c * c / (2 * nu))
        return c - h, c + h

    def chisq(c: mp.mpf, df: mp.mpf) -> tuple[mp.mpf, mp.mpf]:
        return c * mp.sqrt(chi2_quantile(df, lo_p) / df), c * mp.sqrt(chi2_quantile(df, hi_p) / df)

    # the 95% standard: a lower specification limit only
    L = mp.mpf("0.95")
    for tag, s in (("within", sw), ("overall", so)):
        c = (mean - L) / (3 * s)
        lo, hi = bissell(c)
        out += [(f"target_cpk_{tag}", c), (f"target_cpk_{tag}_lower", lo), (f"target_cpk_{tag}_upper", hi),
                (f"target_p_meet_{tag}", phi(3 * c)), (f"target_p_meet_{tag}_lower", phi(3 * lo)),
                (f"target_p_meet_{tag}_upper", phi(3 * hi)), (f"target_expected_below_{tag}", phi((L - mean) / s))]
    # two-sided [0.55, 0.95], nominal 0.78
    L, U, T = mp.mpf("0.55"), mp.mpf("0.95"), mp.mpf("0.78")
    for tag, s in (("within", sw), ("overall", so)):
        cp = (U - L) / (6 * s)
        cpl, cpu = (mean - L) / (3 * s), (U - mean) / (3 * s)
        cpk = min(cpl, cpu)
        a = (mean - T) / s
        cpm = min(T - L, U - T) / (3 * mp.sqrt(s * s + (mean - T) ** 2))
        nu_m = n * (1 + a * a) ** 2 / (1 + 2 * a * a)
        for name, val, (lo, hi) in (("cp", cp, chisq(cp, nu)), ("cpl", cpl, bissell(cpl)), ("cpu", cpu, bissell(cpu)),
                                    ("cpk", cpk, bissell(cpk)), ("cpm", cpm, chisq(cpm, nu_m))):
            out += [(f"two_sided_{name}_{tag}", val), (f"two_sided_{name}_{tag}_lower", lo),
                    (f"two_sided_{name}_{tag}_upper", hi)]
        out += [(f"two_sided_p_meet_{tag}", phi((U - mean) / s) - phi((L - mean) / s))]
    with open(HERE / "capability_ae_rrk.csv", "w", newline="") as f:
        f.write("# Independent capability reference values (make_capability_reference.py, mpmath 40 digits)\n")
        f.write("# data: RRK type-1 four-hour performance, 2016-04 .. 2019-03 (tests/reference/ae_attendances.csv)\n")
        f.write("# target: lower specification 0.95; two_sided: [0.55, 0.95], nominal 0.78; confidence 0.95; d2 1.128\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["quantity", "value"])
        for k, v in out:
            w.writerow([k, mp.nstr(v, 20)])


if __name__ == "__main__":
    main()
