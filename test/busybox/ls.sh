. "$(dirname "$0")/tree.inc"
mktree
ls tree
ls -la tree | sed 1d | grep -v ' \.\.$' | awk '{ print $1, $5, $6, $7, $8, $9, $10, $11 }'
ls -lR tree/src | grep -v '^total' | awk '{ print $1, $5, $9 }'
ls -1 -d tree/*/
ls -s tree/words.txt
echo "status $?"
ls tree/missing; echo "status $?"
