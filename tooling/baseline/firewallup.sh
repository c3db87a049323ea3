#!/usr/sbin/nft -f
# Baseline: the how-to's /srv/firewallup.sh; the failover IP is the documentation address of
# examples/dedibox (203.0.113.10 for the how-to's 123.123.123.123).
flush ruleset
define external_ip = 203.0.113.10
define if_v10 = "eth1"

table ip filter {
  chain input {
    type filter hook input priority 0; policy accept;
  }
  chain output {
    type filter hook output priority 0; policy accept;
  }
  chain forward {
  type filter hook forward priority 0; policy accept;
  }
}
table ip nat {
  chain prerout {
    type nat hook prerouting priority -100; policy accept;
  }
  chain postrout {
    type nat hook postrouting priority 100; policy accept;
    iifname $if_v10 snat $external_ip
  }
}
