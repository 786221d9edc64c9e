#pragma once
// qm/assurance/assurance.hpp — umbrella header for performance against goals and assurance:
// funnel plots (units against a benchmark, exact and over-dispersion adjusted limits),
// benchmark comparison with confidence intervals (Fingertips-style better / similar / worse),
// process capability and target assurance for every chart, inequality indices (SII and RII)
// and the board summary (variation × assurance matrix, indicators needing attention).
#include <qm/assurance/board.hpp>
#include <qm/assurance/capability.hpp>
#include <qm/assurance/compare.hpp>
#include <qm/assurance/funnel.hpp>
#include <qm/assurance/inequality.hpp>
#include <qm/stats/intervals.hpp>
