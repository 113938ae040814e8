# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
wsm --help; expect_status 0; expect_out "migrate"; expect_out "exit status"
wsm frobnicate; expect_status 2; expect_err "unknown command 'frobnicate'"; expect_err "hint:"
wsm migrate; expect_status 2; expect_err "missing TREE"; expect_err "hint: usage: wsmigrate migrate"
wsm migrate a b; expect_status 2; expect_err "too many arguments"
wsm migrate x --on-invalid maybe; expect_status 2; expect_err "abort or skip"
wsm migrate /nonexistent --schema "$SCHEMA"; expect_status 2; expect_err "cannot read the tree"
wsm --version; expect_status 0; expect_out "wsmigrate 0."
