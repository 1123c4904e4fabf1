. "$(dirname "$0")/tree.inc"
mktree
grep alpha tree/words.txt
grep -c beta tree/words.txt
grep -n 'line 1[0-2]' tree/docs/long.txt
grep -v a tree/words.txt
grep -r hello tree/src | sort
grep -l main -r tree | sort
grep -E '^(10|3) ' tree/fruit.txt
grep -i readme tree/docs/README
grep nomatch tree/words.txt; echo "status $?"
grep x tree/missing; echo "status $?"
