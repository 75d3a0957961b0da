# The Debian package `tasks` (make package: cpack in the build directory). What it holds and why:
# docs/deploy.md, "Package and image"; tests/package/rootfs_test.sh installs it with apt into a
# clean Debian 12 root and runs taskd from it.

# Everything lands in /usr/bin, /etc/tasks and /lib/systemd/system of the target system, whatever
# CMAKE_INSTALL_PREFIX says for `cmake --install` (so the paths below are absolute).
install(TARGETS taskd taskctl RUNTIME DESTINATION /usr/bin)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/taskd.env DESTINATION /etc/tasks
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/taskd.service DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# The machine-readable contracts, for consumers on the host or in the image (docs/events.md:
# urn:tasks:schemas:events:<version>:<type> is schemas/events/<version>/<type>.json).
install(FILES ${CMAKE_SOURCE_DIR}/openapi.yaml ${CMAKE_SOURCE_DIR}/asyncapi.yaml DESTINATION /usr/share/tasks)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/events DESTINATION /usr/share/tasks/schemas)

# Not known to the repository yet: set them when it gets a public home (-DTASKS_PACKAGE_...).
set(TASKS_PACKAGE_MAINTAINER "tasks maintainers <tasks@example.invalid>" CACHE STRING
    "Maintainer field of the .deb")
set(TASKS_PACKAGE_HOMEPAGE "https://example.invalid/tasks" CACHE STRING
    "Homepage field of the .deb (and the image's org.opencontainers.image.source)")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tasks)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "tasks")
set(CPACK_PACKAGE_CONTACT "${TASKS_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${TASKS_PACKAGE_HOMEPAGE}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "task service: REST API on actors with a transactional outbox")
set(CPACK_PACKAGE_DESCRIPTION
    "taskd serves personal task lists over a REST API (JWT bearer tokens).
Each user is served by one actor; every change is written to SQLite or
PostgreSQL together with its events in one transaction, and publishers
deliver those events as CloudEvents to a Dapr sidecar. taskctl is the
operator's tool: development tokens and an inspection shell.
taskd runs as the system user taskd (systemd unit taskd.service, settings
in /etc/tasks/taskd.env, data in /var/lib/tasks).")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
# Stripped binaries (no debug symbols in a Release build anyway; smaller, as lintian wants).
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME tasks)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TASKS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${TASKS_PACKAGE_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps computes the libraries' packages (libcaf, libsoci, libpq, libcurl, ...) from the
# binaries; postinst needs adduser (addgroup/adduser) on top. CPack 3.25 marks no conffiles by
# itself: packaging/conffiles names /etc/tasks/taskd.env.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/packaging/conffiles;${CMAKE_SOURCE_DIR}/packaging/postinst;${CMAKE_SOURCE_DIR}/packaging/prerm;${CMAKE_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# cpack installs through the `preinstall` target, which builds `all` (every test and benchmark)
# unless this is set: the package needs only taskd and taskctl, built before cpack runs
# (make package; in make test they are built already).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

include(CPack)
