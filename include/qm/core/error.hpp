#pragma once
// qm/core/error.hpp — the one error family of qualitymetrics.
//
// Synopsis
//   class qm::invalid_argument   : std::invalid_argument   bad input (names argument and index)
//   class qm::insufficient_data  : std::domain_error       too little data for the method
//   [[noreturn]] void qm::fail_argument(argument, index, problem)
//   [[noreturn]] void qm::fail_argument(argument, problem)
//   void qm::require(condition, argument, problem)
//
// Every message has the shape "<argument>[<index>]: <problem>", e.g.
//   "values[17]: must be finite or NaN (missing), got inf".
// Python receives these as ValueError with the same text.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace qm {

/// Bad input: the message names the argument and, where there is one, the index.
class invalid_argument : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// The data are valid but too few (or too degenerate) for the method asked for.
class insufficient_data : public std::domain_error {
public:
    using std::domain_error::domain_error;
};

[[noreturn]] inline void fail_argument(std::string_view argument, std::size_t index, std::string_view problem) {
    std::string msg;
    msg.reserve(argument.size() + problem.size() + 24);
    msg.append(argument).append("[").append(std::to_string(index)).append("]: ").append(problem);
    throw invalid_argument(msg);
}

[[noreturn]] inline void fail_argument(std::string_view argument, std::string_view problem) {
    std::string msg;
    msg.append(argument).append(": ").append(problem);
    throw invalid_argument(msg);
}

inline void require(bool condition, std::string_view argument, std::string_view problem) {
    if (!condition) fail_argument(argument, problem);
}

}  // namespace qm
