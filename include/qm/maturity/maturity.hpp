#pragma once
// qm/maturity/maturity.hpp — maturity scoring: frameworks as data, assessments, every
// established scoring scheme, several raters, gaps, what-if and change over time.
//
//   qm/maturity/scale.hpp       rating scales (ordinal, cumulative P/S/O/E, banded percentages)
//   qm/maturity/framework.hpp   domains → elements → criteria, methods, caps, targets
//   qm/maturity/json.hpp        reading frameworks from JSON (errors name file, pointer, problem)
//   qm/maturity/assessment.hpp  long-format ratings, overrides, the CSV reader
//   qm/maturity/score.hpp       scoring (raters → criteria → elements → domains → overall)
//   qm/maturity/agreement.hpp   Krippendorff's alpha, percent agreement
//   qm/maturity/analysis.hpp    gaps, what-if, change against rater noise, roll-up
#include <qm/maturity/agreement.hpp>
#include <qm/maturity/analysis.hpp>
#include <qm/maturity/assessment.hpp>
#include <qm/maturity/framework.hpp>
#include <qm/maturity/json.hpp>
#include <qm/maturity/scale.hpp>
#include <qm/maturity/score.hpp>
