#pragma once
// qm/monitor/monitor.hpp — umbrella header for live monitoring (quality control during
// operations), decision thresholds, the retrospective review (quality assurance after
// operations) and the comparison of the two.
//
//   qm/monitor/common.hpp               signals, updates, dates, running baseline (Boost.Accumulators)
//   qm/monitor/serialize.hpp            versioned byte-string and JSON states
//   qm/monitor/shewhart_monitor.hpp     XmR/MDC, p, np, u, c, p′, u′, g, t, MR, run; any rule set
//   qm/monitor/learned.hpp              μ0 and σ given or learned and frozen (CUSUM, EWMA)
//   qm/monitor/cusum_monitor.hpp        tabular CUSUM
//   qm/monitor/ewma_monitor.hpp         EWMA
//   qm/monitor/bernoulli_cusum.hpp      Bernoulli CUSUM (qicharts2 bchart)
//   qm/monitor/risk_adjusted_cusum.hpp  risk-adjusted CUSUM (Steiner et al. 2000)
//   qm/monitor/vlad.hpp                 VLAD with the EO-CUSUM signalling rule
//   qm/monitor/arl.hpp                  ARLs and thresholds (Markov chain, Siegmund, simulation)
//   qm/monitor/review.hpp               retrospective review
//   qm/monitor/compare.hpp              control vs assurance
#include <qm/monitor/arl.hpp>
#include <qm/monitor/bernoulli_cusum.hpp>
#include <qm/monitor/common.hpp>
#include <qm/monitor/compare.hpp>
#include <qm/monitor/cusum_monitor.hpp>
#include <qm/monitor/ewma_monitor.hpp>
#include <qm/monitor/learned.hpp>
#include <qm/monitor/review.hpp>
#include <qm/monitor/risk_adjusted_cusum.hpp>
#include <qm/monitor/serialize.hpp>
#include <qm/monitor/shewhart_monitor.hpp>
#include <qm/monitor/vlad.hpp>
