. "$(dirname "$0")/tree.inc"
mktree
sha256sum tree/words.txt tree/docs/long.txt
find tree -type f | sort | xargs sha256sum | sha256sum
sha1sum tree/fruit.txt
