# coconut_selftest: the main job's self-check against the published vectors (scripts/main.sh).
add_executable(coconut_selftest ${CMAKE_CURRENT_LIST_DIR}/selftest.cc)
target_link_libraries(coconut_selftest PRIVATE coconut_kernel nlohmann_json::nlohmann_json)
target_compile_definitions(coconut_selftest PRIVATE COCONUT_TEST_VECTORS_DIR="${COCONUT_TEST_VECTORS_DIR}")
coconut_warnings(coconut_selftest)
add_test(NAME coconut_selftest COMMAND coconut_selftest)
set_tests_properties(coconut_selftest PROPERTIES LABELS "unit")
