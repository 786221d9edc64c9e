# cmake -P script: install the qualitymetrics build tree QM_BINARY_DIR into a fresh QM_PREFIX.
#   cmake -DQM_BINARY_DIR=<build> -DQM_PREFIX=<dir> [-DQM_CONFIG=<config>] -P install_prefix.cmake
foreach(var QM_BINARY_DIR QM_PREFIX)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_prefix.cmake: ${var} is not set")
  endif()
endforeach()
file(REMOVE_RECURSE "${QM_PREFIX}")
set(config_args)
if(QM_CONFIG)
  set(config_args --config "${QM_CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${QM_BINARY_DIR}" --prefix "${QM_PREFIX}" ${config_args}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install ${QM_BINARY_DIR} failed (${rc})")
endif()
file(GLOB_RECURSE config_file "${QM_PREFIX}/*/qualitymetricsConfig.cmake")
if(NOT config_file)
  message(FATAL_ERROR "no qualitymetricsConfig.cmake under ${QM_PREFIX}: was the project configured with QM_INSTALL=ON?")
endif()
message(STATUS "qualitymetrics installed into ${QM_PREFIX} (${config_file})")
