. "$(dirname "$0")/tree.inc"
mktree
wc tree/words.txt
wc -l tree/docs/long.txt
wc -c < tree/fruit.txt
cat tree/words.txt tree/fruit.txt | wc -w
wc -l tree/*.txt
