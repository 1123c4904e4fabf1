. "$(dirname "$0")/tree.inc"
mktree
find tree -name '*.c' | sort | xargs wc -l
echo "one two three four five" | xargs -n 2 echo
printf 'a\nb\nc\n' | xargs -I{} echo "item {}"
find tree -type f | sort | xargs cat | wc -c
