# The man page and the shell completions: written at build time by the
# stackgate just built, from the option table its parser uses (see
# gate/completion.h), so they cannot drift from the binary; then installed
# where man, bash-completion, zsh and fish look for them.
#
# Included from gate/CMakeLists.txt. Run as a script (cmake -P) it writes one
# file: STACKGATE ARGS... > OUTPUT.
if(CMAKE_SCRIPT_MODE_FILE)
  separate_arguments(args UNIX_COMMAND "${ARGS}")
  execute_process(COMMAND ${STACKGATE} ${args} OUTPUT_FILE ${OUTPUT} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    file(REMOVE ${OUTPUT})
    message(FATAL_ERROR "${STACKGATE} ${ARGS} failed: ${rc}")
  endif()
  return()
endif()

include(GNUInstallDirs)
set(SG_SHARE ${CMAKE_BINARY_DIR}/share)
set(SG_DOCS
  "${SG_SHARE}/man/man1/stackgate.1|help --man"
  "${SG_SHARE}/bash-completion/completions/stackgate|completion bash"
  "${SG_SHARE}/zsh/vendor-completions/_stackgate|completion zsh"
  "${SG_SHARE}/fish/vendor_completions.d/stackgate.fish|completion fish")
set(SG_DOC_FILES)
foreach(doc IN LISTS SG_DOCS)
  string(REPLACE "|" ";" parts "${doc}")
  list(GET parts 0 output)
  list(GET parts 1 args)
  get_filename_component(dir ${output} DIRECTORY)
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    # A sanitizer build's leak report at exit must not fail the build.
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
            ${CMAKE_COMMAND} -DSTACKGATE=$<TARGET_FILE:stackgate> "-DARGS=${args}" -DOUTPUT=${output}
            -P ${CMAKE_CURRENT_LIST_FILE}
    DEPENDS stackgate ${CMAKE_CURRENT_LIST_FILE}
    COMMENT "Generating ${output}"
    VERBATIM)
  list(APPEND SG_DOC_FILES ${output})
endforeach()
add_custom_target(stackgate-docs ALL DEPENDS ${SG_DOC_FILES})

install(FILES ${SG_SHARE}/man/man1/stackgate.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${SG_SHARE}/bash-completion/completions/stackgate
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions)
install(FILES ${SG_SHARE}/zsh/vendor-completions/_stackgate DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/zsh/vendor-completions)
install(FILES ${SG_SHARE}/fish/vendor_completions.d/stackgate.fish
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/fish/vendor_completions.d)
