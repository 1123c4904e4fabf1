. "$(dirname "$0")/tree.inc"
mktree
awk '{ s += $1 } END { print "total", s }' tree/fruit.txt
awk '$1 >= 3 { print $2 }' tree/fruit.txt
awk -F' ' '{ n[$1]++ } END { for (k in n) print k, n[k] }' tree/words.txt | sort
awk 'NR % 50 == 0 { print NR ": " $0 }' tree/docs/long.txt
echo "3 4" | awk '{ printf "%d %.2f %s\n", $1 * $2, $1 / $2, toupper("x") }'
awk 'BEGIN { for (i = 0; i < 5; i++) printf "%d ", i * i; print "" }'
