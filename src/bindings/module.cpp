// qualitymetrics._core — private compiled module; users import qualitymetrics.
#include "prelude.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "qualitymetrics compiled core (private: use `import qualitymetrics as qm`)";
    // One registered domain exception for "not enough data"; bad input is ValueError.
    static py::exception<qm::insufficient_data> insufficient(m, "InsufficientDataError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const qm::insufficient_data& e) {
            py::set_error(insufficient, e.what());
        }
    });
    qm::bind::register_core(m);
    qm::bind::register_spc(m);
    qm::bind::register_charts(m);
    qm::bind::register_periods(m);
    qm::bind::register_assurance(m);
    qm::bind::register_assurance2(m);
    qm::bind::register_maturity(m);
    qm::bind::register_monitor(m);
}
