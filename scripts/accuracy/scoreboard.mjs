// The accuracy scoreboard (issue 19): runs the built CLI over a labelled corpus and scores its findings
// against the ground truth. Shared by `npm run accuracy` (scripts/accuracy.mjs) and
// test/accuracy/scoreboard.test.ts. Plain JS so the script runs without a TypeScript step; the types
// are in scoreboard.d.mts.
//
// The corpus: fixtures/accuracy/<name>/ (real lab runs: server.pcap.gz + client.pcap.gz; transforms:
// capture.pcap.gz; each with labels.json), fixtures/lab/<scenario>-<vantage>.pcap with
// <scenario>.labels.json, and, when asked, ../shared/captures/lab/<scenario>/{server,client}.pcap.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// ------------------------------------------------------------------ the mapping: labels → expected findings
//
// Everything the scoreboard believes about a capture is decided here, per listener ("unit"):
//
//   overflow     TcpExtListenOverflows > 0 in the server's namespace during the run. For a transform, the
//                transform's ground_truth.overflow (a cut keeps it only if its window overlaps the time the
//                overflow delayed or broke client connections); for a proxy merge, per listener.
//   queueDrop    overflow, or the SYN queue dropped or cookied SYNs (TcpExtTCPReqQFullDrop or
//                TcpExtTCPReqQFullDoCookies > 0): a listen-queue problem the kernel counted. Only units without
//                one must have no `error` finding.
//   synQueueDrops  SYNs the full SYN queue dropped (syncookies off): TcpExtTCPReqQFullDrop; where a run did not
//                record it, ListenDrops − ListenOverflows (every other listener drop, kernel.md §4, §8).
//   vantage      where the capture saw the listener: the run's side (server.pcap, client.pcap), the transform's
//                ground_truth.vantage, and for a proxy merge each listener's own (its front listener: server; its
//                back end: client), so a proxy's listeners are scored at their own vantage and also in the
//                `middle` group. kernel-lab captures (loopback, both ends on one host) are `local`; tcpdiag's
//                `server` is right there too (the capture was taken on the server's host).
//
// Expected findings (true = must be reported on that listener, false = must not, null = not scored):
//   accept-queue-overflow  = overflow
//   syn-flood              = the run had a spoofed flood (labels.flood)
//   connection-refused     = the listener is a port a client run aimed at with nothing listening (--port ≠ the
//                            server's port); false on the served port
//   application-resets     = the server program closed accepted connections with SO_LINGER 0 (--mode linger0)
//   handshake-loss         = the bridge dropped a SYN or SYN-ACK of this listener (labels.dropped_on_path); for an
//                            older run without the drop log, wire_loss_percent > 0. null with a firewall (iptables)
//                            or a flood in the run (those drop handshakes by design and the label cannot say which
//                            verdict is right); otherwise false (an overflow's SYN drops are the queue, not loss)
//   syn-unanswered         = some client connection ended connect-timeout (its SYNs never got any answer);
//                            null with a flood or a queue drop (the overflow finding may account for those SYNs)
//   syn-queue-overflow     = synQueueDrops > 0; null with a flood (syn-flood is that finding then: the spoofed
//                            SYNs filled the SYN queue, and it says real clients' SYNs were dropped)
//   A cut (capture starts/stops mid-incident) scores only accept-queue-overflow and the error rule.
//   kernel-lab captures (fixtures/kernel-lab/<name>.pcap.gz with the counter deltas in <name>.log; no client
//   outcomes recorded) score only accept-queue-overflow, syn-queue-overflow and the error rule.
//   Other findings (port-reuse, capture-evictions, ...) are counted but not scored.
//
// Per connection: reset-after-handshake is expected for a client connection whose outcome was ECONNRESET
// (`reset`) and that the server program never accepted (so the RST came from the kernel's listener:
// tcp_abort_on_overflow=1, or an expired request), matched by client port on the listener. Connections
// an application accepted and then reset (app-reset) are ECONNRESET too, but application-resets, not this.
//
// droppedSegments: on every unit with overflow whose counters describe the capture (real runs, duplicated
// and VLAN-tagged copies, proxy merges; not cuts or capture loss), the sum of droppedSegments of the
// accept-queue-overflow findings on that listener against TcpExtListenOverflows.

export const SCORED_FINDINGS = ['accept-queue-overflow', 'syn-queue-overflow', 'syn-flood', 'connection-refused', 'application-resets', 'handshake-loss', 'syn-unanswered'];
/** Listener vantages, and `middle`: the listeners of proxy captures (each also counted at its own vantage). */
export const VANTAGES = ['server', 'client', 'local', 'middle'];

export const TARGETS = [
  { id: 'no-error-without-overflow', text: 'no error finding on any listener without a listen-queue overflow' },
  { id: 'overflow-recall-server', text: 'accept-queue-overflow found on every overflow capture, server vantage' },
  { id: 'overflow-recall-client', text: 'accept-queue-overflow found on every overflow capture, client vantage' },
  { id: 'overflow-recall-middle', text: 'accept-queue-overflow found on every overflowing listener of a proxy capture' },
  { id: 'reset-precision', text: 'reset-after-handshake precision >= 0.95 against clients\' ECONNRESETs' },
  { id: 'reset-recall', text: 'reset-after-handshake recall >= 0.95 against clients\' ECONNRESETs' },
  { id: 'dropped-server', text: 'droppedSegments within 5% of TcpExtListenOverflows, server vantage (every capture)' },
  { id: 'dropped-client', text: 'droppedSegments within 10% of TcpExtListenOverflows, client vantage (every capture)' },
  { id: 'vantage-per-listener', text: 'each listener\'s vantage as labelled (a proxy\'s front listener server, its back end client)' },
];

function bracket(ip) {
  return ip.includes(':') ? `[${ip}]` : ip;
}

function argValue(args, name) {
  const i = (args ?? []).indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The truth for one listener, from a lab run's labels (or a proxy merge's per-listener labels). */
function listenerTruth(labels, vantage, overrides = {}) {
  const k = labels.kernel_counters_delta ?? {};
  const listenOverflows = k.TcpExtListenOverflows ?? 0;
  const overflow = overrides.overflow ?? listenOverflows > 0;
  const synQueueDrops = k.TcpExtTCPReqQFullDrop ?? Math.max(0, (k.TcpExtListenDrops ?? 0) - listenOverflows);
  const queueDrop = overflow || synQueueDrops > 0 || (k.TcpExtTCPReqQFullDoCookies ?? 0) > 0;
  const flood = labels.flood != null;
  const firewall = (labels.server?.iptables ?? []).length > 0;
  const connections = labels.connections ?? [];
  const handshakeDropsOnPath = (labels.dropped_on_path ?? []).filter((d) => (d.flags ?? '').includes('S')).length;
  let handshakeLoss;
  if (firewall || flood) handshakeLoss = null;
  else if (handshakeDropsOnPath > 0) handshakeLoss = true;
  else if (!labels.dropped_on_path_logged && (labels.wire_loss_percent ?? 0) > 0) handshakeLoss = true;
  else handshakeLoss = false;
  const expected = {
    'accept-queue-overflow': overflow,
    'syn-queue-overflow': flood ? null : synQueueDrops > 0,
    'syn-flood': flood,
    'connection-refused': false,
    'application-resets': argValue(labels.server?.args, '--mode') === 'linger0',
    'handshake-loss': handshakeLoss,
    'syn-unanswered': flood || queueDrop ? null : connections.some((c) => c.outcome === 'connect-timeout'),
  };
  if (overrides.cut) for (const id of SCORED_FINDINGS) if (id !== 'accept-queue-overflow') expected[id] = null;
  if (labels.kernelLab) for (const id of SCORED_FINDINGS) if (id !== 'accept-queue-overflow' && id !== 'syn-queue-overflow') expected[id] = null;
  const accepted = new Set((labels.accepted ?? []).filter((a) => a.t !== undefined).map((a) => a.port));
  const resetPorts = new Set(connections.filter((c) => c.outcome === 'reset' && !accepted.has(c.port)).map((c) => c.port));
  return {
    listener: `${bracket(labels.server.ip)}:${labels.server.port}`,
    vantage,
    group: overrides.group ?? null,
    overflow,
    queueDrop,
    synQueueDrops,
    countersApply: overrides.countersApply ?? true,
    listenOverflows,
    expected,
    resetPorts,
    labelledPorts: new Set(connections.map((c) => c.port)),
    handshakeDropsOnPath,
  };
}

/** Every listener of one corpus item with what is true of it. */
export function truthFor(item) {
  const { labels, vantage } = item;
  const gt = labels.transform?.ground_truth;
  if (gt?.listeners) {
    return Object.values(gt.listeners).map((l) => listenerTruth(l, l.vantage ?? 'middle', { overflow: l.overflow, group: 'middle' }));
  }
  const overrides = gt ? { overflow: gt.overflow, countersApply: gt.counters_apply, cut: labels.transform.kind === 'cut' } : {};
  const units = [listenerTruth(labels, vantage, overrides)];
  const served = labels.server.port;
  for (const run of labels.client?.runs ?? []) {
    const port = Number(argValue(run, '--port') ?? served);
    if (port === served || units.some((u) => u.listener.endsWith(`:${port}`))) continue;
    const u = listenerTruth({ ...labels, server: { ...labels.server, port }, connections: [], accepted: [] }, vantage, overrides);
    for (const id of SCORED_FINDINGS) if (u.expected[id] !== null) u.expected[id] = false;
    u.expected['connection-refused'] = overrides.cut ? null : true;
    u.overflow = false;
    u.queueDrop = false;
    units.push(u);
  }
  return units;
}

// ------------------------------------------------------------------ the corpus

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * The labelled captures: fixtures/accuracy, fixtures/lab, and (sharedLab given and present) the shared lab
 * captures that are not already in fixtures. Each item: name, path, vantage, labels.
 */
export function loadCorpus(root, { sharedLab } = {}) {
  const items = [];
  const seen = new Set();
  const key = (labels, vantage) => `${labels.scenario}|${vantage}|${labels.connections?.[0]?.t_start ?? ''}`;
  const add = (name, path, vantage, labels) => {
    const k = labels.transform ? name : key(labels, vantage);
    if (seen.has(k)) return;
    seen.add(k);
    items.push({ name, path, vantage, labels });
  };
  const acc = join(root, 'fixtures/accuracy');
  if (existsSync(acc)) {
    for (const dir of readdirSync(acc).sort()) {
      const labelsPath = join(acc, dir, 'labels.json');
      if (!existsSync(labelsPath)) continue;
      const labels = readJson(labelsPath);
      if (labels.transform) {
        add(`accuracy/${dir}`, join(acc, dir, 'capture.pcap.gz'), labels.transform.ground_truth.vantage, labels);
      } else {
        for (const vantage of ['server', 'client']) {
          const p = join(acc, dir, `${vantage}.pcap.gz`);
          if (existsSync(p)) add(`accuracy/${dir}/${vantage}`, p, vantage, labels);
        }
      }
    }
  }
  const lab = join(root, 'fixtures/lab');
  if (existsSync(lab)) {
    for (const f of readdirSync(lab).sort()) {
      const m = /^(.*)-(server|client)\.pcap$/.exec(f);
      if (!m || !existsSync(join(lab, `${m[1]}.labels.json`))) continue;
      add(`lab/${m[1]}/${m[2]}`, join(lab, f), m[2], readJson(join(lab, `${m[1]}.labels.json`)));
    }
  }
  // kernel-lab: loopback runs of kernel.md's experiments, their counter deltas in the log (`--- counter deltas`).
  const kl = join(root, 'fixtures/kernel-lab');
  if (existsSync(kl)) {
    for (const f of readdirSync(kl).sort()) {
      const m = /^(.*)\.pcap\.gz$/.exec(f);
      if (!m || !existsSync(join(kl, `${m[1]}.log`))) continue;
      const counters = kernelLabCounters(readFileSync(join(kl, `${m[1]}.log`), 'utf8'));
      if (!counters) continue;
      add(`kernel-lab/${m[1]}`, join(kl, f), 'local', {
        scenario: `kernel-lab/${m[1]}`, kernelLab: true, kernel_counters_delta: counters, server: { ip: '127.0.0.1', port: 8000 }, connections: [],
      });
    }
  }
  if (sharedLab && existsSync(sharedLab)) {
    for (const dir of readdirSync(sharedLab).sort()) {
      const labelsPath = join(sharedLab, dir, 'labels.json');
      if (!existsSync(labelsPath)) continue;
      const labels = readJson(labelsPath);
      for (const vantage of ['server', 'client']) {
        const p = join(sharedLab, dir, `${vantage}.pcap`);
        if (existsSync(p)) add(`shared/${dir}/${vantage}`, p, vantage, labels);
      }
    }
  }
  return items;
}

/** The counter deltas of a kernel-lab log (`--- counter deltas ...` or `--- nstat ...` then `    Name value` lines), or null without them. */
function kernelLabCounters(log) {
  const at = Math.max(log.indexOf("--- counter deltas"), log.indexOf("--- nstat"));
  if (at < 0) return null;
  const counters = {};
  for (const line of log.slice(at).split('\n').slice(1)) {
    const m = /^\s+(\w+)\s+(\d+)\s*$/.exec(line);
    if (!m) break;
    counters[m[1]] = Number(m[2]);
  }
  return counters;
}

// ------------------------------------------------------------------ running tcpdiag

function runCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** analyze --format json and flows --format ndjson of one capture, from the built CLI (asynchronous, so a
 * test worker's event loop stays free while the corpus runs). */
export async function runTcpdiag(root, path) {
  const bin = join(root, 'bin/tcpdiag.js');
  const [analyze, flows] = [await runCli([bin, 'analyze', path, '--format', 'json']), await runCli([bin, 'flows', path, '--format', 'ndjson'])];
  if (!analyze.stdout) throw new Error(`tcpdiag analyze ${path} printed nothing: ${analyze.stderr}`);
  if (flows.status !== 0) throw new Error(`tcpdiag flows ${path} failed: ${flows.stderr}`);
  const report = JSON.parse(analyze.stdout);
  const rows = flows.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const listenerVantages = Object.fromEntries((report.captures?.[0]?.listeners ?? []).map((l) => [l.listener, l.vantage ?? null]));
  return { findings: report.findings, captureVantage: report.captures?.[0]?.vantage?.vantage ?? null, listenerVantages, flows: rows };
}

// ------------------------------------------------------------------ scoring

function portOf(endpoint) {
  return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
}

/** One capture's findings and flows against its truth: what was expected, reported, right and wrong. */
export function scoreItem(item, output) {
  const units = truthFor(item);
  const byListener = new Map(units.map((u) => [u.listener, u]));
  const main = units[0];
  const unitOf = (listener) => byListener.get(listener) ?? null;
  const rows = [];
  const reported = new Map(units.map((u) => [u.listener, new Set()]));
  const errorsWithoutOverflow = [];
  const unscored = [];
  for (const f of output.findings) {
    const u = unitOf(f.listener);
    if (f.listener !== '*' && u) reported.get(u.listener).add(f.id);
    if (f.severity === 'error' && !(u ?? { queueDrop: false }).queueDrop) errorsWithoutOverflow.push(`${f.id} on ${f.listener}`);
    if (!SCORED_FINDINGS.includes(f.id)) unscored.push(f.id);
    else if (!u && f.listener !== '*') rows.push({ unit: f.listener, vantage: main.vantage, group: main.group, id: f.id, expected: false, reported: true });
  }
  for (const u of units) {
    for (const id of SCORED_FINDINGS) {
      if (u.expected[id] === null) continue;
      rows.push({ unit: u.listener, vantage: u.vantage, group: u.group, id, expected: u.expected[id], reported: reported.get(u.listener).has(id) });
    }
  }
  // Each listener's vantage as tcpdiag reported it (its listener table) against the label's.
  const vantages = units.map((u) => {
    const said = output.listenerVantages?.[u.listener] ?? null;
    const right = said === u.vantage || (u.vantage === 'local' && said === 'server');
    return { unit: u.listener, vantage: u.vantage, group: u.group, said, right };
  });
  // reset-after-handshake per connection (not on kernel-lab captures: their logs record no client ports)
  const resets = [];
  for (const u of item.labels.kernelLab ? [] : units) {
    const predicted = new Set();
    const present = new Set();
    for (const r of output.flows) {
      if (r.server !== u.listener) continue;
      const port = portOf(r.client);
      present.add(port);
      if ((r.signatures ?? []).includes('reset-after-handshake')) predicted.add(port);
    }
    let tp = 0, fp = 0, fn = 0;
    for (const p of predicted) (u.resetPorts.has(p) ? tp++ : fp++);
    for (const p of u.resetPorts) if (present.has(p) && !predicted.has(p)) fn++;
    resets.push({ unit: u.listener, vantage: u.vantage, group: u.group, tp, fp, fn });
  }
  // droppedSegments against ListenOverflows
  const dropped = [];
  for (const u of units) {
    if (!u.overflow || !u.countersApply || u.listenOverflows === 0) continue;
    const est = output.findings.filter((f) => f.id === 'accept-queue-overflow' && f.listener === u.listener)
      .reduce((s, f) => s + (f.droppedSegments ?? 0), 0);
    dropped.push({ unit: u.listener, vantage: u.vantage, group: u.group, droppedSegments: est, listenOverflows: u.listenOverflows,
      relError: Math.abs(est - u.listenOverflows) / u.listenOverflows });
  }
  return { name: item.name, vantage: item.vantage, captureVantage: output.captureVantage, units, rows, vantages, resets, dropped, errorsWithoutOverflow, unscored,
    findings: output.findings.map((f) => `${f.severity}:${f.id}@${f.listener}`) };
}

function ratio(a, b) {
  return b === 0 ? null : a / b;
}

/** The groups a row counts in: its listener's vantage, `middle` for a proxy capture's listeners, and `all`. */
function groupsOf(r) {
  return r.group ? [r.vantage, r.group, 'all'] : [r.vantage, 'all'];
}

/** Totals over the corpus: per finding and vantage, resets, droppedSegments, and the targets. */
export function summarise(scored) {
  const cells = new Map();
  const cell = (id, v) => {
    const k = `${id}|${v}`;
    if (!cells.has(k)) cells.set(k, { id, vantage: v, tp: 0, fp: 0, fn: 0, tn: 0 });
    return cells.get(k);
  };
  for (const s of scored) {
    for (const r of s.rows) {
      for (const v of groupsOf(r)) {
        const c = cell(r.id, v);
        if (r.expected && r.reported) c.tp++;
        else if (r.reported) c.fp++;
        else if (r.expected) c.fn++;
        else c.tn++;
      }
    }
  }
  const findings = [...cells.values()].map((c) => ({ ...c, precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.tp + c.fn) }));
  const resetCells = new Map();
  for (const s of scored) {
    for (const r of s.resets) {
      for (const v of groupsOf(r)) {
        const c = resetCells.get(v) ?? { vantage: v, tp: 0, fp: 0, fn: 0 };
        c.tp += r.tp; c.fp += r.fp; c.fn += r.fn;
        resetCells.set(v, c);
      }
    }
  }
  const resets = [...resetCells.values()].map((c) => ({ ...c, precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.tp + c.fn) }));
  const dropped = scored.flatMap((s) => s.dropped.map((d) => ({ name: s.name, ...d })));
  const errors = scored.flatMap((s) => s.errorsWithoutOverflow.map((e) => `${s.name}: ${e}`));
  const get = (id, v) => findings.find((c) => c.id === id && c.vantage === v);
  const allResets = resets.find((c) => c.vantage === 'all') ?? { tp: 0, fp: 0, fn: 0, precision: null, recall: null };
  const overflowRecall = (v) => {
    const c = get('accept-queue-overflow', v);
    const missed = scored.filter((s) => s.rows.some((r) => r.id === 'accept-queue-overflow' && groupsOf(r).includes(v) && r.expected && !r.reported)).map((s) => s.name);
    return { measured: c ? c.recall : null, detail: c ? `${c.tp} of ${c.tp + c.fn} found${missed.length ? `; missed: ${missed.join(', ')}` : ''}` : 'no overflow capture', met: !!c && c.tp + c.fn > 0 && c.fn === 0 };
  };
  const droppedTarget = (v, tol) => {
    const ds = dropped.filter((d) => d.vantage === v);
    const worst = ds.reduce((w, d) => (d.relError > (w?.relError ?? -1) ? d : w), null);
    const off = ds.filter((d) => d.relError > tol);
    return { measured: worst ? worst.relError : null, met: ds.length > 0 && off.length === 0,
      detail: `${ds.length - off.length} of ${ds.length} within ${tol * 100}%${off.length ? `; off: ${off.map((d) => `${d.name} ${d.droppedSegments}/${d.listenOverflows}`).join(', ')}` : ''}` };
  };
  const vantageRows = scored.flatMap((s) => s.vantages.map((v) => ({ name: s.name, ...v })));
  const vantageWrong = vantageRows.filter((v) => !v.right);
  const targets = {
    'no-error-without-overflow': { measured: errors.length, met: errors.length === 0, detail: errors.length ? errors.join('; ') : 'none' },
    'overflow-recall-server': overflowRecall('server'),
    'overflow-recall-client': overflowRecall('client'),
    'overflow-recall-middle': overflowRecall('middle'),
    'reset-precision': { measured: allResets.precision, met: allResets.precision !== null && allResets.precision >= 0.95, detail: `${allResets.tp} right of ${allResets.tp + allResets.fp} reported` },
    'reset-recall': { measured: allResets.recall, met: allResets.recall !== null && allResets.recall >= 0.95, detail: `${allResets.tp} found of ${allResets.tp + allResets.fn} ECONNRESETs` },
    'dropped-server': droppedTarget('server', 0.05),
    'dropped-client': droppedTarget('client', 0.10),
    'vantage-per-listener': {
      measured: ratio(vantageRows.length - vantageWrong.length, vantageRows.length),
      met: vantageRows.length > 0 && vantageWrong.length === 0,
      detail: `${vantageRows.length - vantageWrong.length} of ${vantageRows.length} listeners right${vantageWrong.length ? `; wrong: ${vantageWrong.map((v) => `${v.name} ${v.unit} ${v.vantage}, said ${v.said}`).join('; ')}` : ''}`,
    },
  };
  const vantageCells = VANTAGES.map((v) => {
    const rows = vantageRows.filter((r) => r.vantage === v || r.group === v);
    return { vantage: v, listeners: rows.length, right: rows.filter((r) => r.right).length };
  });
  return { captures: scored.length, findings, resets, dropped, vantages: vantageCells, targets };
}

/** Run the whole scoreboard, `jobs` captures at a time (default 2: the machine's cores are shared). */
export async function runScoreboard(root, { sharedLab, onItem, jobs = 2 } = {}) {
  const corpus = loadCorpus(root, { sharedLab });
  const scored = new Array(corpus.length);
  let next = 0;
  const worker = async () => {
    while (next < corpus.length) {
      const i = next++;
      scored[i] = scoreItem(corpus[i], await runTcpdiag(root, corpus[i].path));
      onItem?.(scored[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return { scored, summary: summarise(scored) };
}

// ------------------------------------------------------------------ printing

function fmt(x) {
  return x === null || x === undefined ? '  -  ' : x.toFixed(3);
}

export function formatScoreboard({ scored, summary }, root) {
  const out = [];
  out.push(`tcpdiag accuracy scoreboard: ${summary.captures} labelled captures`);
  out.push('');
  out.push('Per capture (expected findings marked +, missing ones !, unexpected ones ?):');
  for (const s of scored) {
    const marks = s.rows.filter((r) => r.expected || r.reported).map((r) => (r.expected && r.reported ? `+${r.id}` : r.expected ? `!${r.id}` : `?${r.id}`));
    // Each listener's vantage against the label: a proxy's listed per listener, elsewhere only what tcpdiag got wrong.
    const said = (v) => (v.right ? '' : `, tcpdiag said ${v.said}`);
    const vantage = s.units.some((u) => u.group)
      ? `${s.vantage}: ${s.vantages.map((v) => `${v.unit} ${v.vantage}${said(v)}`).join('; ')}${s.captureVantage ? `; capture ${s.captureVantage}` : ''}`
      : s.vantages.length > 1 && s.vantages.some((v) => !v.right)
        ? `${s.vantage}: ${s.vantages.filter((v) => !v.right).map((v) => `${v.unit}${said(v)}`).join('; ')}`
        : `${s.vantage}${s.vantages.length && !s.vantages[0].right ? said(s.vantages[0]) : ''}`;
    out.push(`  ${s.name} [${vantage}] ${marks.join(' ') || '(nothing expected, nothing reported)'}${s.unscored.length ? `  (unscored: ${[...new Set(s.unscored)].join(', ')})` : ''}`);
  }
  out.push('');
  out.push('Per finding and vantage (listener-level):');
  out.push(`  ${'finding'.padEnd(24)} ${'vantage'.padEnd(7)} ${'TP'.padStart(3)} ${'FP'.padStart(3)} ${'FN'.padStart(3)} ${'TN'.padStart(3)}  precision  recall`);
  const order = (v) => ['server', 'client', 'local', 'middle', 'all'].indexOf(v);
  const rows = [...summary.findings].sort((a, b) => SCORED_FINDINGS.indexOf(a.id) - SCORED_FINDINGS.indexOf(b.id) || order(a.vantage) - order(b.vantage));
  for (const c of rows) {
    out.push(`  ${c.id.padEnd(24)} ${c.vantage.padEnd(7)} ${String(c.tp).padStart(3)} ${String(c.fp).padStart(3)} ${String(c.fn).padStart(3)} ${String(c.tn).padStart(3)}  ${fmt(c.precision).padStart(9)}  ${fmt(c.recall).padStart(6)}`);
  }
  out.push('');
  out.push('reset-after-handshake per connection, against ECONNRESETs the server never accepted:');
  for (const c of [...summary.resets].sort((a, b) => order(a.vantage) - order(b.vantage))) {
    out.push(`  ${c.vantage.padEnd(7)} TP ${c.tp}  FP ${c.fp}  FN ${c.fn}  precision ${fmt(c.precision)}  recall ${fmt(c.recall)}`);
  }
  out.push('');
  out.push('Vantage per listener (tcpdiag\'s listener table against the label; middle = the listeners of proxy captures):');
  for (const c of summary.vantages) out.push(`  ${c.vantage.padEnd(7)} ${c.right} of ${c.listeners} right`);
  out.push('');
  out.push('droppedSegments against TcpExtListenOverflows:');
  for (const d of summary.dropped) {
    out.push(`  ${d.name.padEnd(52)} ${d.vantage.padEnd(7)} ${String(d.droppedSegments).padStart(5)} / ${String(d.listenOverflows).padStart(5)}  ${(d.relError * 100).toFixed(1).padStart(6)}% off`);
  }
  out.push('');
  out.push('Targets (issue 19):');
  for (const t of TARGETS) {
    const r = summary.targets[t.id];
    const measured = r.measured === null ? 'n/a'
      : t.id === 'no-error-without-overflow' ? `${r.measured} error findings`
      : t.id.startsWith('dropped-') ? `worst ${(r.measured * 100).toFixed(1)}% off`
      : r.measured.toFixed(3);
    out.push(`  [${r.met ? 'met    ' : 'NOT MET'}] ${t.text}: measured ${measured} (${r.detail})`);
  }
  return out.join('\n');
}

export function relativeTo(root, path) {
  return relative(root, path);
}
