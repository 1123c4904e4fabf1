# The shell itself: subshells, command substitution, here-documents, functions and local state,
# background jobs with wait, pipelines' exit status, date with a fixed time, ps's header.
x=outer
( x=inner; echo "subshell sees $x" )
echo "parent keeps $x"
n=$(echo one two three | wc -w)
echo "words: $n"
echo "nested: $(echo $(echo deep))"
cat <<EOT
here-doc with $x and $(echo substitution)
EOT
cat <<'EOT'
quoted here-doc keeps $x literal
EOT
greet() { local who="$1"; echo "hello $who"; return 3; }
greet world; echo "function status $?"
for i in 1 2 3; do (echo "job $i" > job$i.out; exit $i) & done; wait; cat job1.out job2.out job3.out
( sleep 0; exit 7 ) & p=$!; wait $p; echo "waited status $?"
false | true; echo "pipeline status $?"
{ echo a; echo b; } | sort -r | tr '\n' ' '; echo
case "abc" in a*) echo "case matched";; *) echo "no";; esac
i=0; while [ $i -lt 3 ]; do i=$((i + 1)); done; echo "arith $i"
date -u -d @86400 '+%Y-%m-%d %H:%M:%S'
TZ=UTC date -d '2021-03-04 05:06:07' +%s
ps | head -n 1 | tr -s ' '
set -- a b c; echo "args $# $2"; shift; echo "after shift $1"
echo "exit from a subshell" && (exit 42); echo "status $?"
