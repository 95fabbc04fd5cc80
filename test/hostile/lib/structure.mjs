// An independent, forgiving walk over a pcap or pcapng file: where its records
// and blocks are, where their length fields sit, and where each packet's IP
// and TCP headers start. The mutators use it to hit the fields that matter
// instead of random bytes only. It is not the reader under test: it stops
// quietly at the first thing it does not understand.

const PCAPNG_SHB = 0x0a0d0d0a;
const MAX_PACKET = 262144;

export function u16(b, p, le) {
  return le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

export function u32(b, p, le) {
  return le
    ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

export function put16(b, p, v, le) {
  if (p < 0 || p + 2 > b.length) return;
  if (le) { b[p] = v & 255; b[p + 1] = (v >>> 8) & 255; } else { b[p] = (v >>> 8) & 255; b[p + 1] = v & 255; }
}

export function put32(b, p, v, le) {
  if (p < 0 || p + 4 > b.length) return;
  if (le) {
    b[p] = v & 255; b[p + 1] = (v >>> 8) & 255; b[p + 2] = (v >>> 16) & 255; b[p + 3] = (v >>> 24) & 255;
  } else {
    b[p] = (v >>> 24) & 255; b[p + 1] = (v >>> 16) & 255; b[p + 2] = (v >>> 8) & 255; b[p + 3] = v & 255;
  }
}

/**
 * @returns {{format: 'pcap'|'pcapng'|null, headerLen: number, recHeader: number, le: boolean,
 *   snaplen: number, records: Array<{off:number,len:number,kind:string,le:boolean,packet:boolean,
 *   lenFields:Array<{off:number,size:number,le:boolean,name:string}>, tsOff:number, data:null|{off:number,len:number,linkType:number}}>,
 *   end: number, clean: boolean}}
 * `end` is where the walk stopped; `clean` says it reached the end of the file exactly.
 */
export function walk(b) {
  const out = { format: null, headerLen: 0, recHeader: 0, le: true, snaplen: 0, records: [], end: 0, clean: false };
  if (b.length < 4) return out;
  if (u32(b, 0, true) === PCAPNG_SHB) return walkPcapng(b, out);
  let le;
  const m = u32(b, 0, true);
  const mb = u32(b, 0, false);
  const magics = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34];
  if (magics.includes(m)) le = true;
  else if (magics.includes(mb)) le = false;
  else return out;
  if (b.length < 24) return out;
  const magic = le ? m : mb;
  out.format = 'pcap';
  out.le = le;
  out.headerLen = 24;
  out.recHeader = magic === 0xa1b2cd34 ? 24 : 16;
  out.snaplen = u32(b, 16, le);
  const linkType = u32(b, 20, le) & 0x0fffffff;
  let p = 24;
  while (b.length - p >= out.recHeader) {
    const caplen = u32(b, p + 8, le);
    if (caplen > MAX_PACKET || p + out.recHeader + caplen > b.length) break;
    const len = out.recHeader + caplen;
    out.records.push({
      off: p, len, kind: 'record', le, packet: true, tsOff: p,
      lenFields: [
        { off: p + 8, size: 4, le, name: 'caplen' },
        { off: p + 12, size: 4, le, name: 'origlen' },
      ],
      data: { off: p + out.recHeader, len: caplen, linkType },
    });
    p += len;
  }
  out.end = p;
  out.clean = p === b.length;
  return out;
}

function walkPcapng(b, out) {
  out.format = 'pcapng';
  let le = true;
  let ifaces = [];
  let p = 0;
  while (b.length - p >= 12) {
    if (u32(b, p, true) === PCAPNG_SHB) {
      const bom = u32(b, p + 8, true);
      if (bom === 0x1a2b3c4d) le = true;
      else if (u32(b, p + 8, false) === 0x1a2b3c4d) le = false;
      else break;
      ifaces = [];
    }
    const type = u32(b, p, le);
    const len = u32(b, p + 4, le);
    if (len < 12 || len % 4 !== 0 || p + len > b.length) break;
    if (u32(b, p + len - 4, le) !== len) break;
    const rec = {
      off: p, len, kind: 'block', le, packet: false, tsOff: -1, data: null,
      lenFields: [
        { off: p + 4, size: 4, le, name: 'block-length' },
        { off: p + len - 4, size: 4, le, name: 'trailing-length' },
      ],
      type,
    };
    if (type === PCAPNG_SHB) {
      rec.kind = 'shb';
      if (p === 0) out.le = le;
    } else if (type === 1 && len >= 20) {
      rec.kind = 'idb';
      ifaces.push(u16(b, p + 8, le));
      rec.lenFields.push({ off: p + 12, size: 4, le, name: 'idb-snaplen' });
    } else if ((type === 6 || type === 2) && len >= 32) {
      rec.kind = type === 6 ? 'epb' : 'opb';
      rec.packet = true;
      rec.tsOff = p + 12;
      const iface = type === 6 ? u32(b, p + 8, le) : u16(b, p + 8, le);
      const caplen = u32(b, p + 20, le);
      rec.lenFields.push({ off: p + 20, size: 4, le, name: 'caplen' }, { off: p + 24, size: 4, le, name: 'origlen' });
      rec.lenFields.push({ off: p + 8, size: type === 6 ? 4 : 2, le, name: 'interface-id' });
      if (caplen <= len - 32) rec.data = { off: p + 28, len: caplen, linkType: ifaces[iface] ?? -1 };
    } else if (type === 0x00000bad || type === 0x40000bad) {
      // Custom blocks: Wireshark numbers them as frames, and so does the reader.
      rec.kind = 'custom';
      rec.packet = true;
    } else if (type === 3 && len >= 16) {
      rec.kind = 'spb';
      rec.packet = true;
      const orig = u32(b, p + 8, le);
      rec.lenFields.push({ off: p + 8, size: 4, le, name: 'origlen' });
      rec.data = { off: p + 12, len: Math.min(orig, len - 16), linkType: ifaces[0] ?? -1 };
    }
    out.records.push(rec);
    p += len;
  }
  out.end = p;
  out.clean = p === b.length;
  return out;
}

/**
 * Finds the IP and TCP headers in one packet. Returns null when the link type
 * or packet is not one it follows; tcp is -1 when the packet is not TCP.
 */
export function locate(b, data) {
  let p = data.off;
  const end = data.off + data.len;
  let type = -1;
  switch (data.linkType) {
    case 1:
      if (end - p < 14) return null;
      type = (b[p + 12] << 8) | b[p + 13];
      p += 14;
      while ((type === 0x8100 || type === 0x88a8) && end - p >= 4) {
        type = (b[p + 2] << 8) | b[p + 3];
        p += 4;
      }
      if (type !== 0x0800 && type !== 0x86dd) return null;
      break;
    case 113:
      if (end - p < 16) return null;
      p += 16;
      break;
    case 276:
      if (end - p < 20) return null;
      p += 20;
      break;
    case 0:
    case 108:
      if (end - p < 4) return null;
      p += 4;
      break;
    case 12: case 14: case 101: case 228: case 229:
      break;
    default:
      return null;
  }
  if (end - p < 20) return null;
  const v = b[p] >> 4;
  if (v === 4) {
    const ihl = (b[p] & 15) * 4;
    if (ihl < 20 || end - p < ihl) return null;
    return { ip: p, version: 4, tcp: b[p + 9] === 6 && end - p >= ihl + 20 ? p + ihl : -1, end };
  }
  if (v === 6) {
    if (end - p < 40) return null;
    let next = b[p + 6];
    let q = p + 40;
    for (let i = 0; i < 8 && (next === 0 || next === 43 || next === 60) && end - q >= 8; i++) {
      next = b[q];
      q += (b[q + 1] + 1) * 8;
    }
    return { ip: p, version: 6, tcp: next === 6 && end - q >= 20 ? q : -1, end };
  }
  return null;
}
