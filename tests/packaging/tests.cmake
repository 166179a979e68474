# Packaging (issue 13): units, man pages and completion, checked without root or a kernel.
# `make deb` / `make deb-test` build and install the real package (not part of `make test`).
foreach(part units docs)
  add_test(NAME packaging_${part}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${part}_test.sh $<TARGET_FILE:netwarden>)
  set_tests_properties(packaging_${part} PROPERTIES LABELS "unit;packaging" SKIP_RETURN_CODE 77
    ENVIRONMENT "NETWARDEN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()
