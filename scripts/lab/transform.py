#!/usr/bin/env python3
"""Capture transforms for the accuracy corpus (issue 19): no root, no network, pcap in, pcap out.

Each transform reads one lab capture (.pcap or .pcap.gz, Ethernet) and its labels.json, writes the
changed capture and a labels.json that carries the source's ground truth plus a `transform` object:
what was changed (`kind`, `params`, `changed`) and the ground truth of the result (`ground_truth`:
`overflow` = an accept-queue overflow is visible in this capture, `counters_apply` = the source's
kernel counters describe this capture's traffic, `vantage`, and per-listener truth for merges).

  transform.py duplicate    IN LABELS OUT [--seed N] [--fraction F]  copies 0.1-2 ms later, same IP ID (tcpdump -i any, port mirroring)
  transform.py capture-loss IN LABELS OUT [--seed N] [--rate R]      packets missing from the capture only (the network delivered them)
  transform.py cut          IN LABELS OUT --start S --end E          keep [first+S, first+E] seconds (a capture started / stopped mid-incident)
  transform.py vlan         IN LABELS OUT --from IP [--vid V]        802.1Q tag on one direction only (the packets from IP)
  transform.py proxy FRONT FRONT_LABELS BACK BACK_LABELS OUT          one capture on a proxy: FRONT is a server-side capture of the
                                                                      proxy's listener, BACK a client-side capture of another run, its
                                                                      client moved to the proxy's address and its server to --backend

VANTAGE (server or client) is given with --vantage; OUT is a .pcap or .pcap.gz path; labels go
next to it as labels.json. Random choices use --seed, so a run is reproducible.
"""
import argparse, gzip, json, os, random, socket, struct, sys

PCAP_US, PCAP_NS = 0xA1B2C3D4, 0xA1B23C4D


# ---------------------------------------------------------------- pcap I/O
def read_pcap(path):
    raw = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    for endian in ("<", ">"):
        magic = struct.unpack_from(endian + "I", raw, 0)[0]
        if magic in (PCAP_US, PCAP_NS):
            break
    else:
        sys.exit("transform.py: %s: not a classic pcap file (byte offset 0)" % path)
    ns = magic == PCAP_NS
    _, _, _, _, snaplen, linktype = struct.unpack_from(endian + "HHiIII", raw, 4)
    if linktype != 1:
        sys.exit("transform.py: %s: link type %d, only Ethernet (1) is handled" % (path, linktype))
    frames, off = [], 24
    while off + 16 <= len(raw):
        sec, frac, incl, orig = struct.unpack_from(endian + "IIII", raw, off)
        t = sec * 10**9 + (frac if ns else frac * 1000)
        frames.append([t, bytearray(raw[off + 16:off + 16 + incl]), orig])
        off += 16 + incl
    return dict(ns=ns, snaplen=snaplen, frames=frames)


def write_pcap(path, cap):
    out = [struct.pack("<IHHiIII", PCAP_NS if cap["ns"] else PCAP_US, 2, 4, 0, 0, max(cap["snaplen"], 65535), 1)]
    for t, data, orig in cap["frames"]:
        sec, rest = divmod(t, 10**9)
        out.append(struct.pack("<IIII", sec, rest if cap["ns"] else rest // 1000, len(data), orig) + bytes(data))
    blob = b"".join(out)
    if path.endswith(".gz"):
        with open(path, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
            g.write(blob)
    else:
        open(path, "wb").write(blob)


# ---------------------------------------------------------------- packet fields
def l3_offset(data):
    off, etype = 14, struct.unpack_from("!H", data, 12)[0]
    while etype in (0x8100, 0x88A8):
        etype = struct.unpack_from("!H", data, off + 2)[0]
        off += 4
    return off, etype


def fields(data):
    """The fields that identify a packet: tuple, seq, ack, flags, payload length, IP ID."""
    off, etype = l3_offset(data)
    if etype == 0x0800:
        ihl = (data[off] & 15) * 4
        total, ip_id = struct.unpack_from("!HH", data, off + 2)
        src, dst = socket.inet_ntop(socket.AF_INET, data[off + 12:off + 16]), socket.inet_ntop(socket.AF_INET, data[off + 16:off + 20])
        l4, l4len, proto = off + ihl, total - ihl, data[off + 9]
    elif etype == 0x86DD:
        plen, proto = struct.unpack_from("!HB", data, off + 4)
        src, dst = socket.inet_ntop(socket.AF_INET6, data[off + 8:off + 24]), socket.inet_ntop(socket.AF_INET6, data[off + 24:off + 40])
        l4, l4len, ip_id = off + 40, plen, None
    else:
        return None
    if proto != 6:
        return None
    sport, dport, seq, ack, doff, fl = struct.unpack_from("!HHIIBB", data, l4)
    flags = "".join(c for i, c in enumerate("FSRPAUEC") if fl >> i & 1)
    return dict(src=src, sport=sport, dst=dst, dport=dport, seq=seq, ack=ack, flags=flags, len=l4len - (doff >> 4) * 4, ip_id=ip_id)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rewrite_ipv4(data, mapping):
    """Replace IPv4 addresses per mapping and recompute the IP and TCP checksums."""
    off, etype = l3_offset(data)
    if etype != 0x0800:
        return
    ihl = (data[off] & 15) * 4
    total = struct.unpack_from("!H", data, off + 2)[0]
    for pos in (off + 12, off + 16):
        a = socket.inet_ntoa(bytes(data[pos:pos + 4]))
        if a in mapping:
            data[pos:pos + 4] = socket.inet_aton(mapping[a])
    data[off + 10:off + 12] = b"\0\0"
    data[off + 10:off + 12] = struct.pack("!H", csum(bytes(data[off:off + ihl])))
    if data[off + 9] == 6 and len(data) >= off + total:
        l4 = off + ihl
        data[l4 + 16:l4 + 18] = b"\0\0"
        seg = bytes(data[l4:off + total])
        pseudo = bytes(data[off + 12:off + 20]) + struct.pack("!BBH", 0, 6, len(seg))
        data[l4 + 16:l4 + 18] = struct.pack("!H", csum(pseudo + seg))


# ---------------------------------------------------------------- labels
GROUND_TRUTH_KEYS = ("scenario", "what", "server", "client", "flood", "wire_loss_percent", "one_way_delay_ms",
                     "kernel_counters_delta", "client_outcomes", "accepted_by_server", "connections", "accepted",
                     "dropped_on_path", "dropped_on_path_logged", "uname", "vantage")


def source_labels(path):
    d = json.load(open(path))
    return {k: d[k] for k in GROUND_TRUTH_KEYS if k in d}


def overflowed(labels):
    return labels["kernel_counters_delta"].get("TcpExtListenOverflows", 0) > 0


def write_labels(out, labels, kind, params, changed, ground_truth):
    labels = dict(labels)
    labels["transform"] = dict(kind=kind, params=params, changed=changed, ground_truth=ground_truth,
                               made_by="scripts/lab/transform.py " + " ".join(sys.argv[1:]))
    path = os.path.join(os.path.dirname(os.path.abspath(out)), "labels.json")
    json.dump(labels, open(path, "w"), indent=1)
    return path


def base_truth(labels, vantage):
    return dict(overflow=overflowed(labels), counters_apply=True, vantage=vantage)


# ---------------------------------------------------------------- transforms
def duplicate(a):
    cap, labels, rnd = read_pcap(a.input), source_labels(a.labels), random.Random(a.seed)
    frames = [(t, i, 0, d, o) for i, (t, d, o) in enumerate(cap["frames"])]
    copies = []
    for t, i, _, d, o in frames:
        if rnd.random() < a.fraction:
            # Not adjacent: when the next packet comes within 2 ms, the copy lands after it (as a copy from a
            # second interface or a mirror port does); with nothing else within 2 ms it cannot help being adjacent.
            low = 0.1
            if i + 1 < len(frames) and frames[i + 1][0] - t < 1.999e6:
                low = max(low, (frames[i + 1][0] - t) / 1e6 + 0.001)
            copies.append((t + int(rnd.uniform(low, 2.0) * 1e6), i, 1, d, o))
    merged = sorted(frames + copies, key=lambda f: (f[0], f[2], f[1]))
    pos = {}
    for n, f in enumerate(merged):
        pos[(f[1], f[2])] = n
    adjacent = sum(1 for c in copies if pos[(c[1], 1)] == pos[(c[1], 0)] + 1)
    cap["frames"] = [[t, d, o] for t, _, _, d, o in merged]
    write_pcap(a.output, cap)
    write_labels(a.output, labels, "duplicate", dict(seed=a.seed, fraction=a.fraction, delay_ms=[0.1, 2.0]),
                 dict(frames_in=len(frames), copies_added=len(copies), copies_adjacent_to_original=adjacent,
                      note="each copy is byte-identical (same IP ID, seq, ack, flags, length), 0.1-2 ms after its original and, "
                           "when another packet comes within 2 ms, after that packet (copies_adjacent_to_original had none); "
                           "the network carried each packet once, so no copy is a retransmission"),
                 base_truth(labels, a.vantage))


def capture_loss(a):
    cap, labels, rnd = read_pcap(a.input), source_labels(a.labels), random.Random(a.seed)
    kept, lost = [], []
    for n, f in enumerate(cap["frames"], 1):
        if rnd.random() < a.rate:
            info = fields(f[1]) or {}
            lost.append(dict(frame=n, t=f[0] / 1e9, **info))
        else:
            kept.append(f)
    cap["frames"] = kept
    write_pcap(a.output, cap)
    truth = base_truth(labels, a.vantage)
    truth["counters_apply"] = False  # the counters are right, but some of the evidence for them is missing
    write_labels(a.output, labels, "capture-loss", dict(seed=a.seed, rate=a.rate),
                 dict(frames_in=len(kept) + len(lost), frames_lost=len(lost), lost=lost,
                      note="these packets crossed the network; only the capture missed them (not drops, not retransmissions)"),
                 truth)


def affected_span(labels):
    """When the overflow could be seen: from the first to the last client connection it delayed or broke."""
    span = None
    for c in labels["connections"]:
        delayed = c.get("outcome") != "ok" or c.get("t_connected", c["t_start"]) - c["t_start"] > 0.5 or \
            c.get("t_first_byte", c.get("t_connected", c["t_start"])) - c.get("t_connected", c["t_start"]) > 0.5
        if delayed:
            lo, hi = c["t_start"], c.get("t_end", c["t_start"])
            span = (lo, hi) if span is None else (min(span[0], lo), max(span[1], hi))
    return span


def cut(a):
    cap, labels = read_pcap(a.input), source_labels(a.labels)
    t0 = cap["frames"][0][0]
    lo, hi = t0 + int(a.start * 1e9), t0 + int(a.end * 1e9)
    n_in = len(cap["frames"])
    cap["frames"] = [f for f in cap["frames"] if lo <= f[0] <= hi]
    write_pcap(a.output, cap)
    wlo, whi = lo / 1e9, hi / 1e9
    conns = []
    for c in labels["connections"]:
        end = c.get("t_end", c["t_start"])
        conns.append(dict(port=c.get("port"), outcome=c.get("outcome"),
                          window="inside" if wlo <= c["t_start"] and end <= whi else
                                 "outside" if end < wlo or c["t_start"] > whi else
                                 "starts-before" if c["t_start"] < wlo else "ends-after"))
    span = affected_span(labels) if overflowed(labels) else None
    truth = dict(overflow=bool(span and span[0] <= whi and span[1] >= wlo), counters_apply=False, vantage=a.vantage,
                 overflow_span=span, connections_in_window=conns,
                 note="overflow = the source overflowed (ListenOverflows > 0) and the window overlaps the time from the first "
                      "to the last client connection the overflow delayed or broke; connections cut by the window are unresolved, not failed")
    write_labels(a.output, labels, "cut", dict(start=a.start, end=a.end),
                 dict(frames_in=n_in, frames_kept=len(cap["frames"]), window=[wlo, whi]), truth)


def vlan(a):
    cap, labels = read_pcap(a.input), source_labels(a.labels)
    tagged = 0
    for f in cap["frames"]:
        info = fields(f[1])
        if info and info["src"] == a.src:
            f[1][12:12] = struct.pack("!HH", 0x8100, a.vid)
            f[2] += 4
            tagged += 1
    write_pcap(a.output, cap)
    write_labels(a.output, labels, "vlan", dict(src=a.src, vid=a.vid),
                 dict(frames=len(cap["frames"]), frames_tagged=tagged,
                      note="only the packets from %s carry VLAN %d (a tag added or stripped on one side of the capture point); "
                           "every connection is still one connection" % (a.src, a.vid)),
                 base_truth(labels, a.vantage))


def proxy(a):
    front, back = read_pcap(a.front), read_pcap(a.back)
    fl, bl = source_labels(a.front_labels), source_labels(a.back_labels)
    proxy_ip, backend_ip = fl["server"]["ip"], a.backend
    mapping = {bl["client"]["ip"]: proxy_ip, bl["server"]["ip"]: backend_ip}
    shift = front["frames"][0][0] + int(a.offset * 1e9) - back["frames"][0][0]
    for f in back["frames"]:
        rewrite_ipv4(f[1], mapping)
        f[0] += shift
    merged = sorted([f + ["front"] for f in front["frames"]] + [f + ["back"] for f in back["frames"]], key=lambda f: f[0])
    front["frames"] = [f[:3] for f in merged]
    front["ns"] = front["ns"] or back["ns"]
    write_pcap(a.output, front)
    front_l = "%s:%d" % (proxy_ip, fl["server"]["port"])
    back_l = "%s:%d" % (backend_ip, bl["server"]["port"])
    listeners = {
        front_l: dict(vantage="server", overflow=overflowed(fl), scenario=fl["scenario"], kernel_counters_delta=fl["kernel_counters_delta"],
                      connections=fl["connections"], accepted=fl["accepted"], dropped_on_path=fl.get("dropped_on_path", []),
                      wire_loss_percent=fl.get("wire_loss_percent", 0), server=fl["server"]),
        back_l: dict(vantage="client", overflow=overflowed(bl), scenario=bl["scenario"], kernel_counters_delta=bl["kernel_counters_delta"],
                     connections=bl["connections"], accepted=bl["accepted"], dropped_on_path=bl.get("dropped_on_path", []),
                     wire_loss_percent=bl.get("wire_loss_percent", 0), server=dict(bl["server"], ip=backend_ip), address_map=mapping),
    }
    labels = dict(scenario="proxy(%s|%s)" % (fl["scenario"], bl["scenario"]),
                  what="one capture on a proxy %s: its listener %s (front, server vantage, from %s) and its own connections to the back end %s "
                       "(client vantage, from %s with addresses rewritten)" % (proxy_ip, front_l, fl["scenario"], back_l, bl["scenario"]))
    write_labels(a.output, labels, "proxy", dict(front=a.front, back=a.back, backend=backend_ip, offset=a.offset),
                 dict(front_frames=sum(1 for f in merged if f[3] == "front"), back_frames=sum(1 for f in merged if f[3] == "back"),
                      back_time_shift_s=shift / 1e9, back_address_map=mapping),
                 dict(vantage="middle", counters_apply=True, overflow=any(v["overflow"] for v in listeners.values()), listeners=listeners))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(name, fn):
        s = sub.add_parser(name)
        s.add_argument("input"); s.add_argument("labels"); s.add_argument("output")
        s.add_argument("--vantage", required=True, choices=["server", "client"])
        s.set_defaults(fn=fn)
        return s

    s = common("duplicate", duplicate); s.add_argument("--seed", type=int, default=1); s.add_argument("--fraction", type=float, default=1.0)
    s = common("capture-loss", capture_loss); s.add_argument("--seed", type=int, default=1); s.add_argument("--rate", type=float, default=0.03)
    s = common("cut", cut); s.add_argument("--start", type=float, default=0); s.add_argument("--end", type=float, default=1e9)
    s = common("vlan", vlan); s.add_argument("--from", dest="src", required=True); s.add_argument("--vid", type=int, default=100)
    s = sub.add_parser("proxy")
    for n in ("front", "front_labels", "back", "back_labels", "output"):
        s.add_argument(n)
    s.add_argument("--backend", default="198.18.0.5"); s.add_argument("--offset", type=float, default=0.5, help="back capture starts this many s after the front one")
    s.set_defaults(fn=proxy)
    a = p.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    a.fn(a)


if __name__ == "__main__":
    main()
