// Lexer of the .iwd rules language (shared/LANGUAGE.md, section 2).
// Only `and or not in if then else true false` are reserved; every other word of the
// language is a soft keyword: a token of its own here, accepted as a name by the parser's
// `name` rule wherever the grammar does not expect the keyword.
lexer grammar IwdLexer;

// Reserved words.
AND: 'and';
OR: 'or';
NOT: 'not';
IN: 'in';
IF: 'if';
THEN: 'then';
ELSE: 'else';
TRUE: 'true';
FALSE: 'false';

// Soft keywords (keep in sync with IwdParser.g4 `name`).
ADD: 'add';
AFTER: 'after';
AGE: 'age';
AGENT: 'agent';
AT: 'at';
ATTRIBUTES: 'attributes';
BOOST: 'boost';
BY: 'by';
CALENDAR: 'calendar';
CAPACITY: 'capacity';
CLOSED: 'closed';
COMPLETE: 'complete';
CURVE: 'curve';
DEFAULT: 'default';
DEFINE: 'define';
DEPARTMENT: 'department';
DUE: 'due';
ELIGIBLE: 'eligible';
ENUM: 'enum';
EVERY: 'every';
EXPECT: 'expect';
EXPIRE: 'expire';
FIRST: 'first';
FOR: 'for';
FROM: 'from';
GIVEN: 'given';
GROUP: 'group';
IMPORT: 'import';
LIST: 'list';
MAX: 'max';
MEDIA: 'media';
MIN: 'min';
OF: 'of';
OFFER: 'offer';
OUTCOMES: 'outcomes';
OVERDUE: 'overdue';
PRIORITY: 'priority';
PROCESS: 'process';
REJECTED: 'rejected';
REPORT: 'report';
RULESET: 'ruleset';
SKILL: 'skill';
SKILLS: 'skills';
SLA: 'sla';
START: 'start';
TABLE: 'table';
TARGETS: 'targets';
TEST: 'test';
TIMEOUT: 'timeout';
TIMEZONE: 'timezone';
UNTIL: 'until';
VERSION: 'version';
WHEN: 'when';
WITHIN: 'within';

// Literals. Longer, more specific forms come first: on equal length ANTLR picks the
// rule listed first.
INSTANT: DATE_ 'T' DIGIT DIGIT ':' DIGIT DIGIT (':' DIGIT DIGIT ('.' DIGIT+)?)? ('Z' | [+-] DIGIT DIGIT ':' DIGIT DIGIT);
DATE: DATE_;
TIME: DIGIT DIGIT ':' DIGIT DIGIT;
DURATION: (NUM_ UNIT_)+;
PERCENT: NUM_ '%';
// Business days (`5bd`, LANGUAGE.md 1.1 section 6): a count of open days, not a duration; before
// BAD_NUMBER, which matches the same text. Fractions are lexed here and refused by the AST builder.
BUSINESS_DAYS: NUM_ 'bd';
FLOAT: DIGITS_ '.' DIGITS_;
INT: DIGITS_;
// A number glued to letters that are not a duration unit, like `5x` or `3days`: one token,
// so that the compiler can say what is wrong with it instead of reporting two tokens.
BAD_NUMBER: NUM_ [A-Za-z_] [A-Za-z0-9_]*;
STRING: '"' (ESC_ | ~["\\\r\n])* '"';
// A string that reaches the end of the line: reported as E0102 by the AST builder.
UNTERMINATED_STRING: '"' (ESC_ | ~["\\\r\n])* ('\\')?;

ID: [A-Za-z_] [A-Za-z0-9_]*;

// Punctuation and operators.
LBRACE: '{';
RBRACE: '}';
LPAREN: '(';
RPAREN: ')';
LBRACK: '[';
RBRACK: ']';
LT_: '<';
LE: '<=';
GT: '>';
GE: '>=';
EQEQ: '==';
NEQ: '!=';
ASSIGN: '=';
QQ: '??';
QUESTION: '?';
DOTDOT: '..';
DOT: '.';
COMMA: ',';
COLON: ':';
SEMI: ';';
PIPE: '|';
PLUS: '+';
MINUS: '-';
STAR: '*';
SLASH: '/';

LINE_COMMENT: '//' ~[\r\n]* -> channel(HIDDEN);
BLOCK_COMMENT: '/*' .*? '*/' -> channel(HIDDEN);
// A `/*` whose text never contains `*/`: reported as E0106.
UNTERMINATED_COMMENT: '/*' (~'*' | '*'+ ~[*/])* '*'* EOF -> channel(HIDDEN);
WS: [ \t\r\n\u000C\uFEFF]+ -> channel(HIDDEN);

// Anything else: one token per character, reported as E0105.
UNKNOWN_CHAR: .;

fragment DATE_: DIGIT DIGIT DIGIT DIGIT '-' DIGIT DIGIT '-' DIGIT DIGIT;
fragment DIGIT: [0-9];
fragment DIGITS_: DIGIT ('_'? DIGIT)*;
fragment NUM_: DIGITS_ ('.' DIGITS_)?;
fragment UNIT_: 'ms' | 's' | 'm' | 'h' | 'd' | 'w';
fragment ESC_: '\\' .;
