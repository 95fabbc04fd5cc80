#!/usr/bin/env bash
# Records `analyze --format json` and `flows --format ndjson` of every capture under
# fixtures/ and ../shared/captures/ into DIR, so a restructuring can prove identical outputs:
#   scripts/outputs-snapshot.sh /tmp/before   (on the old build)
#   scripts/outputs-snapshot.sh /tmp/after    (on the new build)
#   diff -r /tmp/before /tmp/after
set -uo pipefail
out=${1:?usage: outputs-snapshot.sh DIR}
cd "$(dirname "$0")/.."
mkdir -p "$out"
find fixtures ../shared/captures -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' -o -name '*.pcapng.gz' -o -name '*.cap' -o -name '*.snoop' \) 2>/dev/null | sort |
while read -r f; do
  name=$(echo "$f" | sed 's#^\.\./shared/#shared/#; s#/#__#g')
  node bin/tcpdiag.js analyze "$f" --format json --fail-on never --jobs 1 >"$out/$name.analyze.json" 2>"$out/$name.analyze.err"
  echo "exit $?" >>"$out/$name.analyze.err"
  node bin/tcpdiag.js flows "$f" --format ndjson >"$out/$name.flows.ndjson" 2>"$out/$name.flows.err"
  echo "exit $?" >>"$out/$name.flows.err"
done
# Stable across runs: drop the version line differences only if any (none expected).
ls "$out" | wc -l
