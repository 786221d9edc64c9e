#pragma once
// qm/spc/spc.hpp — umbrella header for statistical process control.
#include <qm/spc/chart.hpp>
#include <qm/spc/chart_types.hpp>
#include <qm/spc/constants.hpp>
#include <qm/spc/cusum.hpp>
#include <qm/spc/ewma.hpp>
#include <qm/spc/limits.hpp>
#include <qm/spc/options.hpp>
#include <qm/spc/rules.hpp>
#include <qm/spc/xmr.hpp>
