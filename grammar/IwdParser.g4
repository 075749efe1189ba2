// Parser of the .iwd rules language (shared/LANGUAGE.md, sections 2 to 11).
// The compiler turns the parse tree into its own AST (compiler/syntax) straight away;
// no type generated from this grammar leaves the AST builder.
parser grammar IwdParser;

options { tokenVocab = IwdLexer; }

@parser::members {
  // A `-` glued to the number after it (`-5`) is a negative number inside a decision
  // table cell; a `-` with space after it is the "any" cell.
  bool minusGluedToNumber() {
    auto* minus = _input->LT(1);
    auto* num = _input->LT(2);
    return minus->getType() == MINUS && num != nullptr &&
           (num->getType() == INT || num->getType() == FLOAT || num->getType() == DURATION ||
            num->getType() == PERCENT) &&
           num->getStartIndex() == minus->getStopIndex() + 1;
  }
  // A word that starts a declaration (`define`, `department`...) in the first column is
  // taken as the start of the next declaration, never as a name inside an expression, so
  // that `define x =` with its value missing is reported there and not one line later.
  bool declarationAtLineStart() {
    auto* t = _input->LT(1);
    if (t == nullptr || t->getCharPositionInLine() != 0) return false;
    switch (t->getType()) {
      case RULESET: case TIMEZONE: case IMPORT: case ENUM: case ATTRIBUTES: case SKILLS:
      case DEFINE: case CALENDAR: case PRIORITY: case TARGETS: case CAPACITY: case DEPARTMENT:
      case DEFAULT: case TEST: case REPORT: case OUTCOMES:
        return true;
      default:
        return false;
    }
  }
}

file: topDecl* EOF;

topDecl
  : rulesetDecl SEMI?
  | timezoneDecl SEMI?
  | importDecl SEMI?
  | enumDecl SEMI?
  | attributesDecl SEMI?
  | skillsDecl SEMI?
  | defineDecl SEMI?
  | calendarDecl SEMI?
  | priorityDecl SEMI?
  | targetsDecl SEMI?
  | capacityDecl SEMI?
  | departmentDecl SEMI?
  | defaultProcessDecl SEMI?
  | testDecl SEMI?
  | reportDecl SEMI?
  | outcomesDecl SEMI?
  | SEMI
  ;

rulesetDecl: RULESET name (VERSION str)?;
timezoneDecl: TIMEZONE str;
importDecl: IMPORT str;
enumDecl: ENUM name LBRACE (name (COMMA name)* COMMA?)? RBRACE;
attributesDecl: ATTRIBUTES LBRACE attributeDef* RBRACE;
attributeDef: name COLON typeRef (ASSIGN expr)? (COMMA | SEMI)?;
typeRef: (name | LIST LT_ typeRef GT) QUESTION?;
skillsDecl: SKILLS LBRACE (name (COMMA name)* COMMA?)? RBRACE;
defineDecl: DEFINE name ASSIGN expr;

// Reporting dimensions and outcomes (section 11).
reportDecl: REPORT BY name (COMMA name)*;
outcomesDecl: OUTCOMES LBRACE (name (COMMA name)* COMMA?)? RBRACE;

// Calendars (section 6).
calendarDecl: CALENDAR name LBRACE calendarClause* RBRACE;
calendarClause
  : TIMEZONE str SEMI?                                         # calTimezone
  | dayRange (COMMA dayRange)* timeRange (COMMA timeRange)* SEMI?  # calWeekly
  | CLOSED closedItem (COMMA closedItem)* SEMI?                # calClosed
  | DATE timeRange (COMMA timeRange)* SEMI?                    # calSpecialDay
  ;
dayRange: name (DOTDOT name)?;
timeRange: TIME MINUS TIME;
closedItem
  : DATE (DOTDOT DATE)?                                        # closedDate
  | EVERY INT MINUS INT                                        # closedYearly
  ;

// Priority schemes (section 8).
priorityDecl: PRIORITY name priorityBody;
priorityBody: LBRACE priorityClause* RBRACE;
priorityClause
  : START expr SEMI?                                           # prioStart
  | EVERY expr ADD expr (FROM expr)? (UNTIL expr)? SEMI?       # prioEvery
  | CURVE LBRACE (curvePoint (COMMA curvePoint)* COMMA?)? RBRACE SEMI?  # prioCurve
  | BOOST expr WHEN expr SEMI?                                 # prioBoost
  | MIN expr SEMI?                                             # prioMin
  | MAX expr SEMI?                                             # prioMax
  | OVERDUE expr SEMI?                                         # prioOverdue
  | AGE IN name SEMI?                                          # prioAgeIn
  ;
curvePoint: expr COLON expr;

// Targets (section 9).
targetsDecl: TARGETS name targetsBody;
targetsBody: LBRACE targetStage* RBRACE;
targetStage: (AGENT | GROUP | SKILL) expr (FOR expr)? SEMI?;

capacityDecl: CAPACITY name LBRACE (capacityEntry (COMMA capacityEntry)* COMMA?)? RBRACE;
capacityEntry: name INT;

// Segmentation (section 7).
departmentDecl: DEPARTMENT name (WHEN expr)? (LBRACE departmentMember* RBRACE)?;
departmentMember
  : processClause
  | processDecl SEMI?
  | tableDecl SEMI?
  ;
processDecl: PROCESS name (WHEN expr)? (LBRACE processClause* RBRACE)?;
defaultProcessDecl: DEFAULT PROCESS name (LBRACE processClause* RBRACE)?;
processClause
  : SLA slaValue (IN name)? SEMI?                             # clauseSla
  | PRIORITY name (MIN expr)? (MAX expr)? SEMI?               # clausePriorityRef
  | PRIORITY priorityBody SEMI?                               # clausePriorityInline
  | TARGETS name SEMI?                                        # clauseTargetsRef
  | TARGETS targetsBody SEMI?                                 # clauseTargetsInline
  | MEDIA expr SEMI?                                          # clauseMedia
  | OFFER TIMEOUT expr SEMI?                                  # clauseOfferTimeout
  | COMPLETE WITHIN expr SEMI?                                # clauseCompleteWithin
  | COMPLETE BY name SEMI?                                    # clauseCompleteBy
  | EXPIRE AFTER expr SEMI?                                   # clauseExpireAfter
  ;

// An sla's value stops before `in` (which names its calendar), so it is an expression
// without comparisons: arithmetic, optionally with `??` fallbacks.
slaValue: additiveExpr (QQ additiveExpr)*;

// Decision tables: the first row is the header. Rows are separated by line breaks only,
// which the parser cannot see; rows are told apart because cells within a row are joined
// by `|` and nothing joins the last cell of a row to the first cell of the next.
tableDecl: TABLE FIRST? LBRACE tableRow* RBRACE;
tableRow: tableCell (PIPE tableCell)*;
tableCell
  : {!minusGluedToNumber()}? MINUS                             # cellAny
  | NOT? cellValue (COMMA cellValue)* (IN name)?               # cellValues
  ;
cellValue: cellAtom (DOTDOT cellAtom)?;
cellAtom
  : {minusGluedToNumber()}? MINUS (INT | FLOAT | DURATION | PERCENT)
  | literal
  | name (DOT name)?
  ;

// Tests (section 10).
testDecl: TEST str LBRACE testClause* RBRACE;
testClause
  : GIVEN LBRACE (fieldInit (COMMA fieldInit)* COMMA?)? RBRACE SEMI?       # testGiven
  | AT expr SEMI?                                                         # testAt
  | EXPECT PROCESS name (DOT name)? SEMI?                                 # expectProcess
  | EXPECT REJECTED str SEMI?                                             # expectRejected
  | EXPECT DUE expr SEMI?                                                 # expectDue
  | EXPECT PRIORITY expr AT expr SEMI?                                    # expectPriority
  | EXPECT NOT? ELIGIBLE LBRACE (fieldInit (COMMA fieldInit)* COMMA?)? RBRACE AT expr SEMI?  # expectEligible
  ;
fieldInit: name COLON expr;

// A string; an unterminated one is accepted here and reported (E0102) by the AST builder,
// so that one missing quote is one error.
str: STRING | UNTERMINATED_STRING;

// Expressions (section 4), lowest precedence first.
expr
  : IF expr THEN expr ELSE expr                               # ifExpr
  | coalesceExpr                                              # plainExpr
  ;
coalesceExpr: orExpr (QQ orExpr)*;
orExpr: andExpr (OR andExpr)*;
andExpr: notExpr (AND notExpr)*;
notExpr
  : NOT notExpr                                               # notOp
  | comparisonExpr                                            # notPass
  ;
comparisonExpr
  : additiveExpr (compareOp additiveExpr)?                    # compare
  | additiveExpr NOT? IN inTarget                             # membership
  ;
// `=` is not an operator of the language; it is accepted here only so that the AST builder
// can report it (E0101) without the follow-on errors of error recovery.
compareOp: EQEQ | NEQ | LT_ | LE | GT | GE | ASSIGN;
inTarget
  : additiveExpr DOTDOT additiveExpr                          # inRange
  | additiveExpr                                              # inValue
  ;
additiveExpr: multiplicativeExpr ((PLUS | MINUS) multiplicativeExpr)*;
multiplicativeExpr: unaryExpr ((STAR | SLASH) unaryExpr)*;
unaryExpr
  : MINUS unaryExpr                                           # negate
  | postfixExpr                                               # unaryPass
  ;
postfixExpr: primary (DOT name)*;
primary
  : literal                                                   # literalExpr
  | PERCENT OF name                                           # percentOfExpr
  | {!declarationAtLineStart()}? name LPAREN (expr (COMMA expr)*)? RPAREN  # callExpr
  | {!declarationAtLineStart()}? name                         # nameExpr
  | LPAREN expr RPAREN                                        # parenExpr
  | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK                # listExpr
  ;
literal
  : INT | FLOAT | STRING | UNTERMINATED_STRING | DURATION | BUSINESS_DAYS | PERCENT | BAD_NUMBER
  | TRUE | FALSE | INSTANT | DATE | TIME
  ;

// Any identifier, including the soft keywords (keep in sync with IwdLexer.g4).
name
  : ID
  | ADD | AFTER | AGE | AGENT | AT | ATTRIBUTES | BOOST | BY | CALENDAR | CAPACITY | CLOSED
  | COMPLETE | CURVE | DEFAULT | DEFINE | DEPARTMENT | DUE | ELIGIBLE | ENUM | EVERY | EXPECT
  | EXPIRE | FIRST | FOR | FROM | GIVEN | GROUP | IMPORT | LIST | MAX | MEDIA | MIN | OF
  | OFFER | OUTCOMES | OVERDUE | PRIORITY | PROCESS | REJECTED | REPORT | RULESET | SKILL | SKILLS | SLA | START
  | TABLE | TARGETS | TEST | TIMEOUT | TIMEZONE | UNTIL | VERSION | WHEN | WITHIN
  ;
