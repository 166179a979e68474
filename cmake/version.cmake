# Writes the version line `netwarden --version` prints: the project version, and where the
# source is a git checkout of its own, `git describe` (commit, distance from a tag, -dirty).
# Runs at every build (cmake -P) so the line follows new commits without a re-configure;
# configure_file rewrites the output only when the text changed, so nothing rebuilds needlessly.
#   cmake -DSOURCE_DIR=... -DVERSION=X.Y.Z -DINPUT=version_info.cc.in -DOUTPUT=... -P version.cmake
# A build from a copy without .git (packaging/deb/build.sh) passes it in NETWARDEN_DESCRIBE.
set(describe "$ENV{NETWARDEN_DESCRIBE}")
find_program(GIT_EXECUTABLE git)
if(describe STREQUAL "" AND GIT_EXECUTABLE)
  # Only the source tree's own repository counts, not one it happens to be unpacked inside.
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --show-toplevel
    OUTPUT_VARIABLE toplevel OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    file(REAL_PATH "${toplevel}" toplevel)
    file(REAL_PATH "${SOURCE_DIR}" source)
  endif()
  if(rc EQUAL 0 AND toplevel STREQUAL source)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} describe --tags --always --dirty
      OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
endif()
if(describe STREQUAL "")
  set(NETWARDEN_VERSION_LINE "netwarden ${VERSION}")
else()
  set(NETWARDEN_VERSION_LINE "netwarden ${VERSION} (${describe})")
endif()
configure_file(${INPUT} ${OUTPUT} @ONLY)
