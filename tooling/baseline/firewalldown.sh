#!/usr/sbin/nft -f
# Baseline: the how-to's /srv/firewalldown.sh.
flush ruleset
define if_v10 = "eth1"
table ip filter {
  chain input {
    type filter hook input priority 0; policy accept;
  }
  chain output {
    type filter hook output priority 0; policy accept;
  }
}
