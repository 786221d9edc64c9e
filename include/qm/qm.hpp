#pragma once
// qm/qm.hpp — everything in qualitymetrics.
#include <qm/assurance/assurance.hpp>
#include <qm/core/error.hpp>
#include <qm/core/groups.hpp>
#include <qm/core/parallel.hpp>
#include <qm/core/periods.hpp>
#include <qm/core/types.hpp>
#include <qm/maturity/maturity.hpp>
#include <qm/spc/spc.hpp>
#include <qm/stats/sum.hpp>
