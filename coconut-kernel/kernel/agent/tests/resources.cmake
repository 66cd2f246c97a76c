# Quotas, memory tiers and agentfs (kernel/agent/quota.c, tier.c, agentfs.c), included by this
# folder's CMakeLists.txt. They share the LSM layer's fixture (security/coconut/tests/
# lsm_test_util.h: a kernel instance on the UserPlatform, agents put into the table directly).
foreach(t quota_test tier_test agentfs_test)
  coconut_gtest(agent_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.cc
    LIBS coconut_platform_test rapidcheck rapidcheck_gtest
    LABELS agent
    TIMEOUT 300)
  target_include_directories(agent_${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..
                             ${PROJECT_SOURCE_DIR}/coconut-kernel/security/coconut/tests)
endforeach()
