# ctest programs. Each tests/<name>.c links the harness (and so the registry):
# tests iterate the registry table, so a new implementation is tested here
# without touching this file.
function(convbench_c_test name)
  add_executable(${name} tests/${name}.c)
  target_link_libraries(${name} PRIVATE convharness)
  target_include_directories(${name} PRIVATE tests)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "CONVBENCH_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

foreach(t test_sweep test_kernels test_threads test_tune test_direct test_filter test_desc test_config test_npy test_csv test_shim test_gemm test_charts test_winograd test_regress test_report)
  if(EXISTS ${CMAKE_SOURCE_DIR}/tests/${t}.c)
    convbench_c_test(${t})
  endif()
endforeach()

# Script tests drive the convbench binary as a user would.
foreach(t test_cli test_smoke test_filter_cli test_perfgate)
  if(EXISTS ${CMAKE_SOURCE_DIR}/tests/${t}.sh)
    add_test(NAME ${t} COMMAND sh ${CMAKE_SOURCE_DIR}/tests/${t}.sh $<TARGET_FILE:convbench>
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  endif()
endforeach()
# Without valgrind the gate's test says so and is skipped.
if(TEST test_perfgate)
  set_tests_properties(test_perfgate PROPERTIES SKIP_RETURN_CODE 77)
endif()
