. "$(dirname "$0")/tree.inc"
mktree
md5sum tree/words.txt tree/fruit.txt tree/docs/long.txt
cat tree/docs/README | md5sum
md5sum tree/words.txt > sums && md5sum -c sums
echo changed >> tree/words.txt; md5sum -c sums; echo "status $?"
