#!/bin/sh
# Builds fixtures/accuracy/ from lab runs and transforms (issue 19's accuracy corpus).
#   scripts/lab/make-corpus.sh RUNS_DIR [SHARED_LAB_DIR]
# RUNS_DIR holds one folder per new lab scenario, made as root with
#   for s in loss-3 loss-8 loss-15 loss-20 overflow-loss-abort0 overflow-loss-abort1 stalled-synack1 \
#            filtered-client reuseport-slow defer-accept ipv6-overflow-abort0 healthy-lossy; do
#     python3 scripts/lab/lab.py $s RUNS_DIR/$s; done
# SHARED_LAB_DIR (default ../shared/captures/lab) holds the earlier lab runs, copied in too (the vantages
# that fixtures/lab/ does not already hold). Transforms need no root.
set -eu
cd "$(dirname "$0")/../.."
RUNS=$1
SHARED=${2:-../shared/captures/lab}
OUT=fixtures/accuracy
T="python3 scripts/lab/transform.py"
mkdir -p $OUT

copy_run() { # SRC_DIR NAME VANTAGES
  mkdir -p $OUT/$2
  cp $1/labels.json $OUT/$2/labels.json
  for v in $3; do gzip -9nc $1/$v.pcap > $OUT/$2/$v.pcap.gz; done
}

for s in loss-3 loss-8 loss-15 loss-20 overflow-loss-abort0 overflow-loss-abort1 stalled-synack1 \
         filtered-client reuseport-slow defer-accept ipv6-overflow-abort0; do
  copy_run $RUNS/$s $s "server client"
done
copy_run $RUNS/healthy-lossy healthy-lossy-logged "server client"

# earlier runs (labels without a drop log); fixtures/lab/ already has some vantages
copy_run $SHARED/accept-overflow-abort0 accept-overflow-abort0 client
copy_run $SHARED/accept-overflow-abort1 accept-overflow-abort1 client
copy_run $SHARED/app-reset app-reset server
copy_run $SHARED/refused refused client
for s in healthy healthy-lossy slow-acceptor-abort0 slow-acceptor-abort1 synack-expire; do
  copy_run $SHARED/$s $s "server client"
done
copy_run $SHARED/syn-flood-cookies syn-flood-cookies server
copy_run $SHARED/syn-flood-nocookies syn-flood-nocookies server

# transforms
$T duplicate $SHARED/healthy/server.pcap $SHARED/healthy/labels.json $OUT/dup-healthy-server/capture.pcap.gz --vantage server --seed 1
$T duplicate $SHARED/accept-overflow-abort1/server.pcap $SHARED/accept-overflow-abort1/labels.json $OUT/dup-overflow-abort1-server/capture.pcap.gz --vantage server --seed 2
$T duplicate $SHARED/slow-acceptor-abort1/client.pcap $SHARED/slow-acceptor-abort1/labels.json $OUT/dup-slow-acceptor-abort1-client/capture.pcap.gz --vantage client --seed 3
$T capture-loss $SHARED/accept-overflow-abort0/server.pcap $SHARED/accept-overflow-abort0/labels.json $OUT/caploss-overflow-abort0-server/capture.pcap.gz --vantage server --seed 4 --rate 0.03
$T capture-loss $SHARED/healthy/client.pcap $SHARED/healthy/labels.json $OUT/caploss-healthy-client/capture.pcap.gz --vantage client --seed 5 --rate 0.03
$T cut $SHARED/accept-overflow-abort0/server.pcap $SHARED/accept-overflow-abort0/labels.json $OUT/cut-start-overflow-abort0-server/capture.pcap.gz --vantage server --start 1
$T cut $SHARED/slow-acceptor-abort0/server.pcap $SHARED/slow-acceptor-abort0/labels.json $OUT/cut-end-slow-acceptor-abort0-server/capture.pcap.gz --vantage server --end 6
$T cut $SHARED/slow-acceptor-abort0/client.pcap $SHARED/slow-acceptor-abort0/labels.json $OUT/cut-1s-slow-acceptor-abort0-client/capture.pcap.gz --vantage client --start 3 --end 4
$T vlan $SHARED/accept-overflow-abort0/server.pcap $SHARED/accept-overflow-abort0/labels.json $OUT/vlan-overflow-abort0-server/capture.pcap.gz --vantage server --from 198.18.0.2
$T vlan $SHARED/healthy/client.pcap $SHARED/healthy/labels.json $OUT/vlan-healthy-client/capture.pcap.gz --vantage client --from 198.18.0.3
$T proxy $SHARED/healthy/server.pcap $SHARED/healthy/labels.json $SHARED/accept-overflow-abort0/client.pcap $SHARED/accept-overflow-abort0/labels.json $OUT/proxy-overflow-backend/capture.pcap.gz
$T proxy $RUNS/defer-accept/server.pcap $RUNS/defer-accept/labels.json $RUNS/loss-15/client.pcap $RUNS/loss-15/labels.json $OUT/proxy-lossy-backend/capture.pcap.gz
$T proxy $SHARED/accept-overflow-abort0/server.pcap $SHARED/accept-overflow-abort0/labels.json $RUNS/loss-8/client.pcap $RUNS/loss-8/labels.json $OUT/proxy-overflow-front-lossy-backend/capture.pcap.gz
python3 scripts/lab/compact_labels.py $OUT/*/labels.json
du -sh $OUT
