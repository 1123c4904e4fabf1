. "$(dirname "$0")/tree.inc"
mktree
tar cf t.tar tree
tar tf t.tar | sort
mkdir out && tar xf t.tar -C out
find out | sort
cmp tree/docs/long.txt out/tree/docs/long.txt && echo same
ls -l out/tree/docs/words-link | awk '{ print $1, $9, $10, $11 }'
tar cf - tree/src | gzip -n > t.tgz && gzip -dc t.tgz | tar tf - | sort
