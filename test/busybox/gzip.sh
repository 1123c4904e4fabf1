. "$(dirname "$0")/tree.inc"
mktree
gzip -c -n tree/docs/long.txt > long.gz
gunzip -c long.gz | tail -2
cp tree/words.txt w.txt && gzip -n w.txt && ls w.txt*
gzip -d w.txt.gz && cat w.txt | head -2
gzip -c -n tree/fruit.txt | gzip -d | md5sum
echo "status $?"
