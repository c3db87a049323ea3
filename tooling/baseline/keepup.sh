#!/bin/bash
# Baseline: the how-to's /srv/keepup.sh, the same commands in the same order (sleep 1 included);
# only the addresses, the interface and the script folder come from variables.
BASELINE_DIR="${BASELINE_DIR:-$(dirname "$0")}"
EXT_IF="${EXT_IF:-eth2}"
FAILOVER_IP="${FAILOVER_IP:-203.0.113.10}"
GATEWAY="${GATEWAY:-198.51.100.1}"

ip addr add $FAILOVER_IP dev $EXT_IF
ip link set $EXT_IF up
ip route add $GATEWAY dev $EXT_IF
ip route del default
ip route add 0.0.0.0/0 via $GATEWAY dev $EXT_IF
echo 1 > /proc/sys/net/ipv4/ip_forward
"$BASELINE_DIR/firewallup.sh"
sleep 1
ping -c 1 $GATEWAY
