#!/bin/bash
# Baseline: the how-to's /srv/keepdown.sh (one per router: the peer's and the own LAN address differ);
# the same commands in the same order, addresses and interfaces from variables.
BASELINE_DIR="${BASELINE_DIR:-$(dirname "$0")}"
EXT_IF="${EXT_IF:-eth2}"
LAN_IF="${LAN_IF:-eth1}"
FAILOVER_IP="${FAILOVER_IP:-203.0.113.10}"
PEER_LAN_IP="${PEER_LAN_IP:-10.10.1.2}"
OWN_LAN_IP="${OWN_LAN_IP:-10.10.1.1}"

ip link set $EXT_IF down
ip addr del $FAILOVER_IP/32 dev $EXT_IF
ip route add 0.0.0.0/0 via $PEER_LAN_IP dev $LAN_IF src $OWN_LAN_IP
"$BASELINE_DIR/firewalldown.sh"
