# What `cmake --install` puts where, and the Debian package CPack makes of it
# (docs/installing.md). Included by the top-level CMakeLists.txt after the targets exist.
#
#   bin/firedrill                               the program
#   libexec/firedrill/plugins/                  the bundled plugins (plugins/CMakeLists.txt)
#   share/man/man1/firedrill*.1.gz              from --help, by scripts/help_pages.py
#   share/bash-completion/completions/firedrill from --help, likewise
#   share/doc/firedrill/                        README, docs/, examples/, copyright, changelog
#   /lib/systemd/system/firedrill.service       when the prefix is /usr (the package's)
#
# Package: configure with -DCMAKE_BUILD_TYPE=Release, build, then `cpack -G DEB` in the build
# directory. The package installs under /usr whatever CMAKE_INSTALL_PREFIX says.

include(GNUInstallDirs)

install(TARGETS firedrill RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The man pages and the completion come from the built program's own --help, so they cannot
# drift from it. They need python3; without it they are skipped, and said so.
find_program(FIREDRILL_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(FIREDRILL_GZIP gzip)
if(FIREDRILL_PYTHON3 AND FIREDRILL_GZIP)
  set(help_dir ${PROJECT_BINARY_DIR}/help-pages)
  add_custom_command(
    OUTPUT ${help_dir}/stamp
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${help_dir}/man
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0 SOURCE_DATE_EPOCH=1796558400
            ${FIREDRILL_PYTHON3} ${PROJECT_SOURCE_DIR}/scripts/help_pages.py
            $<TARGET_FILE:firedrill> ${help_dir}/man ${help_dir}/firedrill.bash
    # -n: no name or time stamp in the archive, so that the pages are reproducible.
    COMMAND sh -c "${FIREDRILL_GZIP} -9nf ${help_dir}/man/*.1"
    COMMAND ${FIREDRILL_GZIP} -9nc ${PROJECT_SOURCE_DIR}/scripts/debian/changelog
            > ${help_dir}/changelog.gz
    COMMAND ${CMAKE_COMMAND} -E touch ${help_dir}/stamp
    DEPENDS firedrill ${PROJECT_SOURCE_DIR}/scripts/help_pages.py
            ${PROJECT_SOURCE_DIR}/scripts/debian/changelog
    COMMENT "Man pages and bash completion from firedrill --help"
    VERBATIM)
  add_custom_target(firedrill_help_pages ALL DEPENDS ${help_dir}/stamp)
  install(DIRECTORY ${help_dir}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          FILES_MATCHING PATTERN "*.1.gz")
  install(FILES ${help_dir}/firedrill.bash DESTINATION
          ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME firedrill)
  install(FILES ${help_dir}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
else()
  message(STATUS "python3 or gzip not found: no man pages or bash completion are installed")
endif()

install(FILES README.md scripts/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(DIRECTORY drills/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        FILES_MATCHING PATTERN "*.toml")

# The unit as scripts/firedrill.service documents it, with the installed program's path, which
# is only known at install time (the package installs to /usr whatever the build's prefix). Under
# /usr it goes to /lib/systemd/system, Debian 12's place for packaged units.
install(CODE "set(firedrill_unit_source \"${PROJECT_SOURCE_DIR}/scripts/firedrill.service\")")
install(CODE [[
  file(READ "${firedrill_unit_source}" unit)
  string(REPLACE "/usr/local/bin/firedrill" "${CMAKE_INSTALL_PREFIX}/bin/firedrill" unit "${unit}")
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(unit_dir "/lib/systemd/system")
  else()
    set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  endif()
  message(STATUS "Installing: $ENV{DESTDIR}${unit_dir}/firedrill.service")
  file(WRITE "$ENV{DESTDIR}${unit_dir}/firedrill.service" "${unit}")
]])

# The Debian package. Depends come from the linked libraries (dpkg-shlibdeps) plus adduser for
# the system user; the tools fault kinds run are recommended, not required.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME firedrill)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "The firedrill authors <firedrill@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "chaos fire-drill orchestrator for incident practice")
set(CPACK_PACKAGE_DESCRIPTION
    "firedrill announces a drill (calendar invite, chat notice), injects
faults at the start of the announced window (locally, over SSH, or through
plugins), times how long the team takes to detect and to recover, restores
every fault at window end, keeps a tamper-evident record and writes a
pre-filled blameless postmortem.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nftables, iproute2, procps, openssh-client")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "stress-ng")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/scripts/debian/postinst
    ${PROJECT_SOURCE_DIR}/scripts/debian/prerm ${PROJECT_SOURCE_DIR}/scripts/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
    GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
include(CPack)
