#pragma once
// test_support.hpp — small helpers shared by the GoogleTest programs.

#include <exception>
#include <string>

#include <gtest/gtest.h>

#include <qm/core/error.hpp>

namespace qm_test {

/// Runs `f`, expects a qm::invalid_argument whose message contains `needle` (the argument and
/// index it must name); returns the message (empty, with a test failure, otherwise).
template <class F>
std::string expect_invalid(F&& f, const std::string& needle) {
    try {
        f();
    } catch (const qm::invalid_argument& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(needle), std::string::npos) << "message: " << what << "\nexpected to contain: " << needle;
        return what;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type, message: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no exception thrown; expected one naming " << needle;
    return {};
}

}  // namespace qm_test
