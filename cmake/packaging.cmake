# Installing sluice like any Debian tool: `cmake --install build --prefix /usr/local` or the
# Debian package from `cpack -G DEB` (run in build/; dependencies computed by dpkg-shlibdeps from
# the libraries the binary links, so the package matches whichever libhs it was built with).
# tests/package/install_test.sh installs both into a temporary root and runs a scan from there.
include(GNUInstallDirs)

install(TARGETS sluice RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The Slurm driver of sharded scans (README: Scaling out), beside the binary it runs.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/slurm-scan DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME sluice-slurm-scan)

# The man page is generated from the binary's own --help (scripts/manpage.sh, help2man), so it
# never drifts from the flags; Debian installs man pages gzip'd.
find_program(SLUICE_HELP2MAN help2man)
find_program(SLUICE_GZIP gzip)
if(SLUICE_HELP2MAN AND SLUICE_GZIP)
  set(SLUICE_MANPAGE ${PROJECT_BINARY_DIR}/sluice.1)
  add_custom_command(
    OUTPUT ${SLUICE_MANPAGE}.gz
    COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/manpage.sh $<TARGET_FILE:sluice> ${SLUICE_MANPAGE} > /dev/null
    COMMAND ${SLUICE_GZIP} -9 -n -f -k ${SLUICE_MANPAGE}
    DEPENDS sluice ${PROJECT_SOURCE_DIR}/scripts/manpage.sh
    COMMENT "Generating the man page sluice(1)"
    VERBATIM)
  add_custom_target(sluice_manpage ALL DEPENDS ${SLUICE_MANPAGE}.gz)
  install(FILES ${SLUICE_MANPAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man or gzip not found: the man page is not built or installed (apt-get install help2man)")
endif()

install(FILES ${PROJECT_SOURCE_DIR}/cli/completion.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME sluice)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the sluice authors")
set(CPACK_PACKAGE_CONTACT "the sluice authors <sluice@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "bulk scanner for leaked credentials in large corpora")
set(CPACK_PACKAGE_DESCRIPTION
    "sluice scans directory trees, archives, container images and git histories for leaked credentials \
with Hyperscan on every core, confirms each hit with RE2 and reports findings as text, JSON, JSONL or \
SARIF, each with its detector card (the impact of the leak, how to revoke it).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "git")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
