# Run after the antlr4 tool (grammar/CMakeLists.txt): `cmake -DDIR=<generated> -P lazy_atn.cmake`.
# The generated lexer and parser deserialise their ATN tables in a static initialiser
# (`Initializer _init`), at the start of every program linked with them, whether it lexes or
# parses anything or not (issue 19: ~5 % of a one-item `iwd eval` from a bundle, which never
# parses). This moves that initialiser into the constructors, as a function-local static: the
# tables are made once, thread-safely, when the first lexer or parser is made.
foreach(name IwdLexer IwdParser)
  set(file ${DIR}/${name}.cpp)
  file(READ ${file} text)
  set(eager "${name}::Initializer ${name}::_init;")
  string(FIND "${text}" "${eager}" at)
  string(REGEX MATCH "${name}::${name}\\([A-Za-z]+ \\*input\\) : [A-Za-z]+\\(input\\) {\n" ctor "${text}")
  if(at EQUAL -1 OR NOT ctor)
    message(FATAL_ERROR "lazy_atn.cmake: ${file} is not laid out as ANTLR 4.7's generated code (the static "
                        "Initializer or the constructor was not found): check the antlr4 tool's version")
  endif()
  string(REPLACE "${eager}" "// ${name}::_init: made by the constructor (grammar/lazy_atn.cmake)" text "${text}")
  string(REPLACE "${ctor}" "${ctor}  static Initializer once;  // grammar/lazy_atn.cmake\n  (void)once;\n" text "${text}")
  file(WRITE ${file} "${text}")
endforeach()
