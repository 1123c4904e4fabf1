. "$(dirname "$0")/tree.inc"
mktree
sed 's/alpha/ALPHA/' tree/words.txt
sed -n '2,4p' tree/fruit.txt
sed '/beta/d' tree/words.txt | sed '1i\
first'
cp tree/fruit.txt f.txt && sed -i 's/[0-9][0-9]*/N/' f.txt && cat f.txt
sed -e 's/line \([0-9]*\)/#\1/' tree/docs/long.txt | sed -n '$p'
echo "a,b,c" | sed 's/,/\n/g'
