# Traps, kill and signals through busybox sh: handlers run, exit statuses of killed jobs,
# an ignored signal, and sleep interrupted by kill.
trap 'echo got USR1' USR1
kill -USR1 $$
echo "after usr1"
trap 'echo got TERM' TERM
kill -TERM $$
trap - TERM
trap '' INT
kill -INT $$
echo "INT ignored"
sleep 5 &
pid=$!
kill $pid
wait $pid
echo "sleep killed: status $?"
sh -c 'kill -9 $$'
echo "self SIGKILL: status $?"
sh -c 'kill -USR2 $$; echo not reached'
echo "USR2: status $?"
( trap 'echo sub got HUP' HUP; kill -HUP $(sh -c 'echo $PPID'); echo sub done )
trap 'echo exiting' EXIT
echo end
