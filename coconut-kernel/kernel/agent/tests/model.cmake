# The RapidCheck model test of the nine calls (model_test.cc, model.h), included by this
# folder's CMakeLists.txt: call sequences against a reference model, invariants after each call.
coconut_gtest(agent_model_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_test.cc
  LIBS coconut_agent_test_support rapidcheck rapidcheck_gtest PkgConfig::SODIUM
       coconut_platform_test
  LABELS "property"
  TIMEOUT 600)
