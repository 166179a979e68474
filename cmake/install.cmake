# `cmake --install` (and so the Debian package): the binary, systemd units, man pages, shell
# completion, logrotate and the example policies. With --prefix /usr/local (a hand install)
# everything lands where systemd, man, bash and zsh look under /usr/local too.
include(GNUInstallDirs)

set(NETWARDEN_SYSTEMD_UNITDIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" CACHE PATH
    "Where the systemd units go (Debian bookworm: /lib/systemd/system)")
set(NETWARDEN_ZSH_COMPLETIONDIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions" CACHE PATH
    "Where zsh's completion function goes (relative: below the prefix)")

install(TARGETS netwarden RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The units name the installed binary's path.
set(NETWARDEN_BINARY ${CMAKE_INSTALL_FULL_BINDIR}/netwarden)
foreach(unit netwarden.service netwarden-boot.service)
  configure_file(${CMAKE_SOURCE_DIR}/packaging/systemd/${unit}.in
                 ${CMAKE_BINARY_DIR}/packaging/systemd/${unit} @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/systemd/${unit}
          DESTINATION ${NETWARDEN_SYSTEMD_UNITDIR})
endforeach()

install(FILES ${CMAKE_SOURCE_DIR}/packaging/tmpfiles/netwarden.conf
        DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/completion/netwarden.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME netwarden)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/completion/_netwarden
        DESTINATION ${NETWARDEN_ZSH_COMPLETIONDIR})
install(FILES ${CMAKE_SOURCE_DIR}/packaging/logrotate/netwarden
        DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/logrotate.d)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples FILES_MATCHING PATTERN "*.yaml")

# Man pages from their scdoc sources (docs/man/*.scd), when scdoc is installed.
find_program(SCDOC scdoc)
if(SCDOC)
  set(man_pages "")
  foreach(page netwarden.8 netwarden-policy.5)
    string(REGEX MATCH "[0-9]$" section ${page})
    set(out ${CMAKE_BINARY_DIR}/man/man${section}/${page})
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man/man${section}
      COMMAND ${SCDOC} < ${CMAKE_SOURCE_DIR}/docs/man/${page}.scd > ${out}
      DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/${page}.scd
      COMMENT "man page ${page}")
    list(APPEND man_pages ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(man ALL DEPENDS ${man_pages})
else()
  message(STATUS "scdoc not found: no man pages (apt-get install scdoc)")
endif()
