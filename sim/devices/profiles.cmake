# Device-profile loader (profile.h). Included from sim/scenario/CMakeLists.txt: it shares the
# located-YAML helpers of coconut_scenario_base, and the loader checks profile names with it.
add_library(coconut_profiles STATIC ${CMAKE_CURRENT_LIST_DIR}/profile.cc)
target_include_directories(coconut_profiles PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_include_directories(coconut_profiles PRIVATE ${PROJECT_SOURCE_DIR}/coconut-kernel/include)
target_link_libraries(coconut_profiles PUBLIC coconut_scenario_base)
# The source tree's profiles; COCONUT_PROFILE_DIR overrides it at run time.
target_compile_definitions(coconut_profiles PRIVATE
    COCONUT_PROFILE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}/sim/devices/profiles")
coconut_warnings(coconut_profiles)
