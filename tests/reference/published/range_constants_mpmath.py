# Reference values of d2(n) = E[R]/sigma and d3(n) = sd(R)/sigma for the range R of n standard normal
# observations, computed independently of qualitymetrics with mpmath 1.3 (arbitrary precision quadrature),
# for tests/cpp/limits_test.cpp (RangeConstants.MatchHighPrecisionValues). Run: python3 range_constants_mpmath.py
#   d2 = 2 * int_0^inf [1 - Phi(x)^n - Phi(-x)^n] dx
#   E[R^2] = 2 * int int_{x<y} P(min <= x, max > y) dx dy,  P = 1 - Phi(y)^n - (1 - Phi(x))^n + (Phi(y) - Phi(x))^n
# Closed forms for checking: d2(2) = 2/sqrt(pi), d2(3) = 3/sqrt(pi), d2(4) = 12 atan(sqrt 2)/pi^(3/2),
# d2(5) = 5/(2 sqrt(pi)) (1 + 6 asin(1/3)/pi), d3(2) = sqrt(2 - 4/pi).
import mpmath as mp


def d2(n):
    mp.mp.dps = 40
    return 2 * mp.quad(lambda x: 1 - mp.ncdf(x) ** n - mp.ncdf(-x) ** n, [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, mp.inf])


def d3(n):
    mp.mp.dps = 22  # the double integral is slow; 22 digits are plenty for a double

    def g(x, y):
        a, b = mp.ncdf(x), mp.ncdf(y)
        return 1 - b ** n - (1 - a) ** n + (b - a) ** n

    inner = lambda w: 2 * mp.quad(lambda u: g(u - w / 2, u + w / 2), [0, 2, 4, 8, mp.inf])
    e2 = 2 * mp.quad(inner, [0, 1, 2, 4, 6, 8, 12, mp.inf])
    m = d2(n)
    mp.mp.dps = 22
    return mp.sqrt(e2 - m ** 2)


if __name__ == "__main__":
    for n in [2, 3, 4, 5, 6, 7, 10, 15, 20, 25, 50, 75, 100, 150, 200]:
        print("d2", n, mp.nstr(d2(n), 25))
    for n in [2, 3, 5, 10, 25, 100]:
        print("d3", n, mp.nstr(d3(n), 20))
# Output (d2 at 40 digits, d3 at 22):
# d2 2 1.128379167095512573896159   d2 3 1.692568750643268860844238   d2 4 2.058750746007928264113973
# d2 5 2.325928947281039225544536   d2 6 2.534412721222942595298698   d2 7 2.704356751213808798457844
# d2 10 3.077505461670345712055064  d2 15 3.471826889882074867334282  d2 20 3.734950119596640969473786
# d2 25 3.930629219507113161515215  d2 50 4.498147258779700628801547  d2 75 4.805984919598313635778655
# d2 100 5.015187272883368745035988 d2 150 5.298493488953188485402039 d2 200 5.492084894902308984824688
# d3 2 0.8525024664274217299837     d3 3 0.8883680040452042893994     d3 5 0.8640819410995040746168
# d3 10 0.7970506735194112451982    d3 25 0.7084407658886550276173    d3 100 0.6051791094878537817059
