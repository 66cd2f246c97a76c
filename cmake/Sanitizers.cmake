# ASan + UBSan for the whole tree (the `asan` preset); UBSan aborts so a finding fails the test.
if(COCONUT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
