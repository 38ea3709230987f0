# etp_embed_files(<target> <namespace> <function> FILES f1 f2 ...)
# Generates a .cpp that returns the files' contents as
# std::vector<std::pair<std::string_view, std::string_view>> {name, text}, sorted by name,
# so binaries carry their migrations and need no source tree at run time.
function(etp_embed_files target func)
  cmake_parse_arguments(ARG "" "" "FILES" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${func}.cpp")
  set(script "${PROJECT_SOURCE_DIR}/cmake/embed_files_gen.cmake")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DFUNC=${func} "-DFILES=${ARG_FILES}" -P ${script}
    DEPENDS ${ARG_FILES} ${script}
    COMMENT "Embedding files for ${func}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
