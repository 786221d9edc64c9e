# cmake -DA=<program> -DB=<program> -DARGS=<argument> -P same_output.cmake
# Runs both programs with the argument and fails unless both succeed with the same output.
foreach(_p A B)
  execute_process(COMMAND ${${_p}} ${ARGS} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out_${_p})
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${${_p}} exited with ${_rc}")
  endif()
endforeach()
message(STATUS "${A}: ${_out_A}")
message(STATUS "${B}: ${_out_B}")
if(NOT _out_A STREQUAL _out_B)
  message(FATAL_ERROR "the outputs differ")
endif()
