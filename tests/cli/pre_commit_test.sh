#!/usr/bin/env bash
# tools/pre-commit: the git hook rejects a commit whose staged .iwd files have errors.
set -u
source "$(dirname "$0")/lib.sh"
HOOK="$(cd "$(dirname "$0")/../.." && pwd)/tools/pre-commit"

if ! command -v git >/dev/null; then
  echo "git is not installed: skipped"
  exit 0
fi

REPO="$TMP/repo"
mkdir -p "$REPO/rules"
git init -q "$REPO"
cp "$HOOK" "$REPO/.git/hooks/pre-commit"
chmod +x "$REPO/.git/hooks/pre-commit"
export IWD="$IWD"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.com GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.com
commit() { git -C "$REPO" commit -q -m "$1"; }

cat >"$REPO/rules/_shared.iwd" <<'IWD'
attributes { deal_value: number = 0 }
define big = deal_value >= 10000
IWD
cat >"$REPO/rules/main.iwd" <<'IWD'
import "_shared.iwd"
department Sales {
  process Big when big
  process Rest
}
IWD
git -C "$REPO" add rules
expect_exit 0 "a clean ruleset is committed" -- commit "clean rules"

printf 'README\n' >"$REPO/README"
git -C "$REPO" add README
expect_exit 0 "a commit without .iwd files is not checked" -- env IWD=/nonexistent/iwd git -C "$REPO" commit -q -m readme

cat >"$REPO/rules/bad.iwd" <<'IWD'
priority gold {
  start 400
  evry 1h add 50
}
IWD
git -C "$REPO" add rules/bad.iwd
expect_exit 1 "a staged file with a syntax error is rejected" -- commit "bad rules"
expect_in err "rules/bad.iwd:3:3: error[E0101]" "the error is shown with the repository path"
expect_not_in err "./rules/bad.iwd" "no ./ before paths"
expect_in err "pre-commit: iwd check found errors" "the hook says why"
expect_exit 1 "nothing was committed" -- bash -c "git -C '$REPO' ls-tree --name-only -r HEAD | grep -q bad.iwd"

# The staged contents count, not the working tree.
printf 'priority gold { start 400 every 1h add 50 }\ndefault process P { priority gold }\n' >"$REPO/rules/bad.iwd"
expect_exit 1 "a fix that is not staged does not help" -- commit "still bad"
git -C "$REPO" add rules/bad.iwd
printf 'garbage {\n' >"$REPO/rules/bad.iwd"
expect_exit 0 "a staged fix passes although the working tree is broken" -- commit "fixed"
git -C "$REPO" checkout -q -- rules/bad.iwd

# A change to an imported file is checked through the file that imports it.
printf 'attributes { deal_value: number = 0 }\n' >"$REPO/rules/_shared.iwd"
git -C "$REPO" add rules/_shared.iwd
expect_exit 1 "removing a define that an importer uses is rejected" -- commit "break shared"
expect_in err "rules/main.iwd:3:20: error[E0302]" "the importer's error is shown"
git -C "$REPO" checkout -q HEAD -- rules/_shared.iwd

# Warnings pass unless IWD_CHECK_ARGS denies them.
printf 'define unused = deal_value > 5\n' >>"$REPO/rules/main.iwd"
git -C "$REPO" add rules/main.iwd
expect_exit 1 "--deny-warnings through IWD_CHECK_ARGS" -- env IWD_CHECK_ARGS=--deny-warnings git -C "$REPO" commit -q -m unused
expect_in err "error[W0610]" "the denied warning is an error"
expect_exit 0 "warnings alone pass" -- commit "unused define"

# Without iwd the hook stops the commit with a clear message.
printf '// touched\n' >>"$REPO/rules/main.iwd"
git -C "$REPO" add rules/main.iwd
expect_exit 1 "no iwd binary" -- env IWD=/nonexistent/iwd git -C "$REPO" commit -q -m touched
expect_in err "was not found" "a message when iwd is missing"

finish
