. "$(dirname "$0")/tree.inc"
mktree
find tree | sort
find tree -type f -name '*.c' | sort
find tree -type d | sort
find tree -type l
find tree -name '*.txt' -size +1k
find tree -empty | sort
find tree/src -maxdepth 1 | sort
find tree -newer tree/words.txt | sort
