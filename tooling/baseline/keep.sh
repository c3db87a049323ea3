#!/bin/bash
# Baseline: the how-to's /srv/keep.sh (keepalived `notify`), unchanged but for the script folder.
BASELINE_DIR="${BASELINE_DIR:-$(dirname "$0")}"

TYPE=$1
NAME=$2
STATE=$3

case $STATE in
  "MASTER") "$BASELINE_DIR/keepup.sh"
            exit 0
            ;;
  "BACKUP") "$BASELINE_DIR/keepdown.sh"
            exit 0
            ;;
  "FAULT")  "$BASELINE_DIR/keepdown.sh"
            exit 0
            ;;
  *)        echo "unknown state"
            exit 1
            ;;
esac
