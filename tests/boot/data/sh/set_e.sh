# set -e: a failing simple command ends the shell with its status, but
# not inside if/while conditions, && and || lists, `!`, or a non-final
# pipeline stage; set +e turns it off; subshells and functions inherit it.
umask 022
sh -ec 'echo before; false; echo after'
echo "false ends it: $?"
sh -ec 'if false; then echo then; else echo else; fi; echo survived-if'
echo "if: $?"
sh -ec 'false && echo no; echo survived-and'
echo "&&: $?"
sh -ec 'false || echo "or ran"; echo survived-or'
echo "||: $?"
sh -ec '! true; echo survived-not'
echo "!: $?"
sh -ec 'false | true; echo survived-pipeline'
echo "pipeline: $?"
sh -ec 'true | false; echo not-reached'
echo "pipeline ending in false: $?"
sh -ec 'while false; do :; done; echo survived-while'
echo "while: $?"
sh -ec 'sh -c "exit 7"; echo not-reached'
echo "child exit 7: $?"
sh -ec 'set +e; false; echo "off again"'
echo "set +e: $?"
sh -ec '(false); echo not-reached'
echo "subshell: $?"
sh -ec 'f() { false; echo in-f; }; f; echo not-reached'
echo "function: $?"
sh -ec 'x=$(false); echo not-reached'
echo "assignment from failing substitution: $?"
sh -ec 'echo $(false) survived-argument'
echo "substitution in an argument: $?"
sh -ec 'trap "echo exit trap \$?" EXIT; false'
echo "with an exit trap: $?"
set -e
true
echo "set -e here, still running"
set +e
false
echo "after set +e: $?"
