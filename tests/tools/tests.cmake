# Tools the network-lab tests use (not tests themselves).
# nw_probe: measures the kernel's verdict for flows (connect / echo / ping as a given uid) and is
# the lab's "accept on every port" target server (`nw_probe serve`).
find_package(Threads REQUIRED)
add_executable(nw_probe ${CMAKE_CURRENT_LIST_DIR}/nw_probe.cc)
target_link_libraries(nw_probe PRIVATE Threads::Threads)
set_target_properties(nw_probe PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
