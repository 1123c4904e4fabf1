. "$(dirname "$0")/tree.inc"
mktree
cat tree/words.txt tree/fruit.txt
cat -n tree/src/lib/hello.c
cat tree/docs/words-link | head -2
cat < tree/docs/README
cat <<'END' > here.txt
here-doc line one
  indented $NOT_EXPANDED
END
cat here.txt
cat tree/nothing; echo "status $?"
cat tree/docs/long.txt | tail -3
