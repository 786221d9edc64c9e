# Called by the ctest test fuzz_maturity_loader: configure and build tests/fuzz with clang++ as a
# project of its own, then run the fuzzer for SECONDS. Fails on a build error or on any finding.
foreach(v FUZZ_SOURCE_DIR FUZZ_BINARY_DIR CLANGXX QM_INCLUDE_DIR SEEDS SECONDS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzz.cmake: ${v} is not set")
  endif()
endforeach()
string(REPLACE "|" ";" seed_dirs "${SEEDS}")

execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${FUZZ_SOURCE_DIR} -B ${FUZZ_BINARY_DIR} -DCMAKE_CXX_COMPILER=${CLANGXX}
          -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQM_INCLUDE_DIR=${QM_INCLUDE_DIR}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the fuzz project with ${CLANGXX} failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${FUZZ_BINARY_DIR} -j1 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the fuzz target failed (${rc})")
endif()

set(corpus ${FUZZ_BINARY_DIR}/corpus)
file(MAKE_DIRECTORY ${corpus})
execute_process(
  COMMAND ${FUZZ_BINARY_DIR}/fuzz_maturity_loader ${corpus} ${seed_dirs}
          -max_total_time=${SECONDS} -max_len=32768 -timeout=20 -rss_limit_mb=2048
          -dict=${FUZZ_SOURCE_DIR}/maturity.dict -print_final_stats=1
          -artifact_prefix=${FUZZ_BINARY_DIR}/
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the fuzzer found a problem (exit ${rc}); the input is saved in ${FUZZ_BINARY_DIR}/ "
                      "(crash-*, timeout-*, oom-*)")
endif()
message(STATUS "fuzz_maturity_loader: ${SECONDS} s without a finding")
