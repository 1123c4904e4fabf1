. "$(dirname "$0")/tree.inc"
mktree
sort tree/words.txt
sort -r tree/words.txt | uniq
sort tree/words.txt | uniq -c
sort -n tree/fruit.txt
sort -k2 tree/fruit.txt
sort -n -r -k1,1 tree/fruit.txt | head -2
sort -u tree/words.txt | tr '\n' ','; echo
