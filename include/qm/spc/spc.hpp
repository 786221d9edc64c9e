#pragma once
// qm/spc/spc.hpp — umbrella header for statistical process control.
#include <qm/spc/options.hpp>
#include <qm/spc/xmr.hpp>
